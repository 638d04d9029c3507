"""doc/check_pages.py fails on what a reader would see as broken.

Runs Chromium on small pages made here; skipped where Chromium is not
installed (CI installs it).
"""

import importlib.util
import shutil
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
    pytest.skip("Chromium is not installed", allow_module_level=True)

SPEC = importlib.util.spec_from_file_location(
    "check_pages", Path(__file__).parents[1] / "doc" / "check_pages.py"
)
check_pages = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_pages)

TEXT = "<p>" + "An autoencoder reconstructs its input from a code. " * 10 + "</p>"


def _site(tmp_path, pages):
    site = tmp_path / "html"
    site.mkdir()
    matplotlib.image.imsave(site / "figure.png", np.eye(20))
    for name, body in pages.items():
        (site / name).write_text(f"<html><body>{body}</body></html>")
    return site


def test_a_page_with_text_and_a_working_image_passes(tmp_path):
    site = _site(tmp_path, {"good.html": TEXT + '<img src="figure.png" width=400>'})
    assert check_pages.check(site, ["good.html"], tmp_path / "out") == []


@pytest.mark.parametrize(
    "body, problem",
    [
        (TEXT + '<img src="missing.png">', "broken images"),
        (TEXT + "<pre>Traceback (most recent call last):\n  x</pre>", "traceback"),
        ("", "blank"),
        (
            TEXT + "<pre>x.py:3: UserWarning: A network error occurred</pre>",
            "warnings ['UserWarning: A network error occurred']",
        ),
    ],
)
def test_a_broken_page_fails(tmp_path, body, problem):
    site = _site(tmp_path, {"bad.html": body})
    [failure] = check_pages.check(site, ["bad.html"], tmp_path / "out")
    assert problem in failure


def test_every_page_but_sphinx_own_is_checked_by_default(tmp_path):
    site = _site(tmp_path, {"index.html": TEXT, "search.html": "", "genindex.html": ""})
    for folder in ("auto_examples", "_static", "_sources"):
        (site / folder).mkdir()
        (site / folder / "page.html").write_text(TEXT)
    assert check_pages.site_pages(site) == ["auto_examples/page.html", "index.html"]


def test_a_warning_in_prose_is_not_output(tmp_path):
    site = _site(
        tmp_path, {"prose.html": TEXT + "<p>It raises a UserWarning: then</p>"}
    )
    assert check_pages.check(site, ["prose.html"], tmp_path / "out") == []
