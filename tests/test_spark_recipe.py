"""The Spark recipe of docs/performance.md runs as written and gives the blocks `revhyper batch` gives.

pyspark (about 490 MB, 2.5 minutes to install here, plus pandas and pyarrow) and a Java runtime are not
installed by ./scripts/bootstrap, so this test is skipped unless both are there, and is slow (Spark starts
a JVM): run it with REVHYPER_SLOW_TESTS=1 after `pip install pyspark pandas pyarrow`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from test_batch import varied, write_lines

pytestmark = pytest.mark.slow


def recipe() -> str:
    section = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8").split("### Spark", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_spark_recipe_writes_the_blocks_batch_writes(tmp_path):
    pytest.importorskip("pyspark")
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    lines = varied(12) + ['{"person": {"age": 40}, "training": {"goal": "strenght"}}']
    (tmp_path / "profiles").mkdir()
    write_lines(tmp_path / "profiles" / "a.jsonl", lines)
    code = recipe().replace("SparkSession.builder", 'SparkSession.builder.master("local[1]")')
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)  # Spark's Python workers: this one, where revhyper is
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    written = [line for part in sorted((tmp_path / "blocks").glob("part-*")) for line in
               part.read_text(encoding="utf-8").splitlines()]
    batch = subprocess.run([sys.executable, "-m", "revhyper", "batch", str(tmp_path / "profiles" / "a.jsonl")],
                           capture_output=True, text=True, timeout=300)
    expected = []
    for line in batch.stdout.splitlines():
        record = json.loads(line)
        expected.append(json.dumps(record["block"], separators=(",", ":"), ensure_ascii=False) if "block" in record
                        else None)
    assert written[:-1] == expected[:-1]  # the same bytes for every profile
    assert "strenght" in written[-1] and expected[-1] is None  # a bad line gives its problems
