"""Sphinx configuration of the deterministic_risk documentation (Markdown pages via MyST)."""

import re

import deterministic_risk

project = "deterministic_risk"
release = deterministic_risk.__version__
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "generate_*.py"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_member_order = "bysource"
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
# Signatures show numpy.typing's array aliases by name (api.md says so): without this, autodoc
# expands ArrayLike into a ten-term union and NDArray[np.float64] into
# ndarray[tuple[Any, ...], dtype[float64]].
autodoc_type_aliases = {"ArrayLike": "ArrayLike", "NDArray": "NDArray"}
# Defaults as written in the source (SGD_PHASE_POINTS, not its 9000-character repr).
autodoc_preserve_defaults = True


def _alias_names(app, what, name, obj, options, signature, return_annotation):
    """Sphinx 8-9 prints an alias inside a union (``ArrayLike | None``) as
    ``TypeAliasForwardRef('ArrayLike') | None``; show the alias's name there too."""
    def plain(text):
        return None if text is None else re.sub(r"TypeAliasForwardRef\('([^']*)'\)", r"\1", text)
    return plain(signature), plain(return_annotation)


def setup(app):
    app.connect("autodoc-process-signature", _alias_names)
