"""Sphinx configuration: API reference from the numpydoc docstrings, an executed
example gallery, and a Benchmarks page built from benchmarks/results/*.json."""

import sys
from pathlib import Path

import skae

DOC = Path(__file__).parent
ROOT = DOC.parent

# The Benchmarks page includes the tables that benchmarks/report.py writes
# from the committed results, so the page and the JSON files cannot disagree.
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(DOC))
import report  # noqa: E402

report.write_markdown(DOC / "_generated")

project = "skae"
copyright = "2026, the skae developers"
version = release = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "_templates"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
# numpydoc lists the methods itself through the class template.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    # From the seed's experiment to scaling out (doc/gallery_order.py).
    "within_subsection_order": "gallery_order.ExampleOrder",
    # A failing example fails the build (and so CI).
    "abort_on_example_error": True,
    "download_all_examples": False,
    "reference_url": {"skae": None},
    "doc_module": ("skae",),
    "backreferences_dir": "_generated/backreferences",
}

html_theme = "pydata_sphinx_theme"
html_title = f"skae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = []


def _inherited_sklearn_refs_as_text(app, env, node, contnode):
    """Show the labels and glossary terms of scikit-learn's own docstrings
    (inherited methods such as ``set_output``) as text: they point into
    scikit-learn's site, which an offline build cannot reach."""
    source = node.source or ""
    if node.get("reftype") in ("ref", "term") and "docstring of sklearn." in source:
        return contnode
    return None


def setup(app):
    app.connect("missing-reference", _inherited_sklearn_refs_as_text)
