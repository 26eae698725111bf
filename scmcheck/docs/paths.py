"""Where each page and picture of the site lives, and relative links between them."""

from __future__ import annotations

import posixpath

FOLDERS = {"rule": "rules", "entry": "entries", "family": "models", "design": "designs"}
IMAGES = "img"
TRACES = "traces"


def page_path(page_id: str, fmt: str) -> str:
    """``"rule:000.3"`` -> ``rules/000.3.html`` (``.md`` for Markdown); the index is
    ``index.html``, or ``README.md`` so that code hosts show it for the folder."""
    ext = ".md" if fmt == "markdown" else ".html"
    if page_id == "index":
        return "README.md" if fmt == "markdown" else "index.html"
    kind, _, name = page_id.partition(":")
    return f"{FOLDERS[kind]}/{safe(name)}{ext}"


def image_path(name: str) -> str:
    return f"{IMAGES}/{safe(name)}.svg"


def relative(from_path: str, to_path: str) -> str:
    """The link from the file ``from_path`` to ``to_path`` (both relative to the site root)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def safe(name: str) -> str:
    """A file-name-safe form of a design name, property id or rule number."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "_"
