"""In a fresh virtual environment, installing the core and one adapter makes its format appear."""

from __future__ import annotations

import json
import subprocess
import sys
import venv

from helpers import ROOT


def test_core_plus_one_adapter_in_a_fresh_environment(tmp_path):
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              str(ROOT), str(ROOT / "plugins" / "revhyper-ical")],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr
    listed = subprocess.run([str(env_dir / "bin" / "revhyper"), "formats", "--format", "json"], capture_output=True,
                            text=True, timeout=120, check=True)
    providers = {f["name"]: f["provider"] for f in json.loads(listed.stdout)["formats"]}
    assert providers["ical"] == "revhyper-ical"
    assert "fit" not in providers and "fhir" not in providers, "only the installed adapter appears"
    profile = ROOT / "examples" / "profiles" / "chronic-rehab.toml"
    out = tmp_path / "plan.ics"
    result = subprocess.run([str(env_dir / "bin" / "revhyper"), "generate", str(profile), "-f", "ical", "-o", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert sys.executable != str(python)
