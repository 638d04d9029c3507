"""Every Python block of the README and of the docs runs as written, on its own."""

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _markdown_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)


def _rst_blocks(path):
    # ".. code-block:: python", a blank line, then the indented block.
    pattern = r"\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)"
    return [textwrap.dedent(b) for b in re.findall(pattern, path.read_text())]


BLOCKS = [
    (path, block)
    for path in [ROOT / "README.md", *sorted((ROOT / "doc").glob("*.md"))]
    for block in _markdown_blocks(path)
] + [
    (path, block)
    for path in sorted((ROOT / "doc").glob("*.rst"))
    for block in _rst_blocks(path)
]


def test_the_readme_and_the_user_guide_have_examples():
    sources = {path.name for path, _ in BLOCKS}
    assert {"README.md", "index.rst", "user_guide.rst"} <= sources
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize(
    "path, code",
    BLOCKS,
    ids=[f"{path.name}-{i}" for i, (path, _) in enumerate(BLOCKS)],
)
def test_block_runs_on_its_own(path, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block may write a file
    exec(compile(code, str(path), "exec"), {"__name__": "__docs__"})
