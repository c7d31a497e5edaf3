"""The Python API is typed: the core and the adapters type-check, and a platform's code using it gets real types, not Any."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from helpers import ROOT

PLATFORM_CODE = '''\
import revhyper
from revhyper.block import Block


def nightly(path: str) -> bytes:
    rules: revhyper.RuleSet = revhyper.default_ruleset()
    profile: revhyper.Profile = revhyper.load_profile(path, rules)
    block: Block = revhyper.generate(profile, rules)
    if block.status == "refused" and block.referral is not None:
        print(block.referral.urgency)
    for week in block.weeks:
        for session in week.sessions:
            sets: int = session.exercises[0].sets
            print(sets, session.date)
    return revhyper.block_to_json(block)


wrong_status: int = revhyper.generate(revhyper.load_profile("client.toml")).status
wrong_json: str = revhyper.block_to_json(revhyper.generate(revhyper.load_profile("client.toml")))
'''


def mypy(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_core_and_the_adapters_type_check(tmp_path):
    result = mypy(tmp_path)  # the files and settings in pyproject.toml's [tool.mypy]
    assert result.returncode == 0, result.stdout
    assert "Success: no issues found" in result.stdout


def test_a_platform_using_the_api_gets_real_types(tmp_path):
    """Strict mypy accepts correct use of the documented API and catches a wrong type: the names are typed, not Any."""
    code = tmp_path / "platform.py"
    code.write_text(textwrap.dedent(PLATFORM_CODE))
    result = mypy(tmp_path, "--strict", "--config-file", "/dev/null", str(code))
    errors = [line.split(": error: ", 1)[1] for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [
        'Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]',
        'Incompatible types in assignment (expression has type "bytes", variable has type "str")  [assignment]',
    ], result.stdout
