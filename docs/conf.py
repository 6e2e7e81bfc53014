"""Sphinx configuration of the sklstm documentation.

Build with ``make doc`` (runs the gallery) or ``make doc-noplot`` (does not).
Every warning is an error, and every cross-reference must resolve
(``nitpicky``). Nothing is downloaded: the intersphinx inventories are read
from ``_intersphinx/`` (see ``_intersphinx/make_inventories.py``).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the sklstm of this checkout
sys.path.insert(0, str(HERE / "_intersphinx"))

from make_inventories import MAPPING  # noqa: E402

import sklstm  # noqa: E402

project = "sklstm"
author = "sklstm developers"
copyright = "sklstm developers, BSD-3-Clause"
release = sklstm.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # Serves MathJax from _static instead of a CDN, so that the equations
    # render in a copy of the HTML viewed without internet access too.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_intersphinx",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
    "sg_execution_times.rst",
]
root_doc = "index"
nitpicky = True
default_role = "literal"

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    # Public methods of sklstm's own mixins (predict_interval, calibrate, ...),
    # not scikit-learn's (get_params, score, ...).
    "inherited-members": ",".join(
        [
            "BaseEstimator",
            "RegressorMixin",
            "ClassifierMixin",
            "TransformerMixin",
            "_MetadataRequester",
            "_SetOutputMixin",
            "ReprHTMLMixin",
            "_HTMLDocumentationLinkMixin",
            "Module",
            "object",
        ]
    ),
}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Links to other projects, from the committed inventories ---------------
intersphinx_mapping = {
    name: (url, str(HERE / "_intersphinx" / filename))
    for name, (url, filename) in MAPPING.items()
}
intersphinx_timeout = 1

# -- Gallery ---------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # The make-demo script is run by the tests, not rendered in the gallery.
    "ignore_pattern": r"demo\.py",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklstm",),
    "reference_url": {"sklstm": None},
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "copyfile_regex": "",
}

# -- HTML ------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc"],
}
# Single pages have no section to navigate: no left sidebar there.
html_sidebars = {
    "**": ["sidebar-nav-bs"],
    **dict.fromkeys(
        ["index", "getting_started", "lstm_cell", "api", "performance", "accuracy"],
        [],
    ),
}


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn adds set_{method}_request methods for metadata routing to
    # every estimator class; they are scikit-learn's, not part of sklstm's API,
    # and their docstrings link into scikit-learn's user guide.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
