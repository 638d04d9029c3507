"""Every Python block of the README runs as written, on its own."""

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_on_its_own(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block may write a file
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
