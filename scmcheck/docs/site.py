"""Build every page from the checked data and write the site: atomically, file by file.

A manifest (``.scmcheck-docs.json``) lists what the last run wrote, so a new
run removes the files it no longer writes (a design renamed, a format
switched) and nothing else in the folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .pages_entries import entry_pages
from .pages_index import index_page
from .pages_models import design_pages, family_pages
from .pages_rules import rule_pages
from .write_html import HtmlWriter
from .write_markdown import MarkdownWriter

MANIFEST = ".scmcheck-docs.json"
FORMATS = ("html", "markdown")


def pages(site: Any) -> list:
    """Every page of the site, the index first."""
    return [index_page(site), *rule_pages(site), *entry_pages(site), *family_pages(site), *design_pages(site)]


def render(site: Any, fmt: str) -> dict[str, str]:
    """``{relative path: text}`` of every page and picture in format ``fmt``."""
    writer = HtmlWriter(site) if fmt == "html" else MarkdownWriter(site)
    for page in pages(site):
        writer.page(page)
    return dict(sorted(writer.files.items()))


def write(out: Path, files: dict[str, str], traces: list[str]) -> list[str]:
    """Write ``files`` under ``out`` atomically; remove what the previous run wrote and this one did not.
    Returns every file of the site (pages, pictures, ``traces``), sorted."""
    from scmcheck.traces.itf import write_atomic

    old = _manifest(out)
    for rel, text in files.items():
        write_atomic(out / rel, text)
    written = sorted({*files, *traces})
    for rel in sorted(set(old) - set(written)):
        path = out / rel
        try:
            if path.is_file() and out.resolve() in path.resolve().parents:
                path.unlink()
        except OSError:
            pass
    write_atomic(out / MANIFEST, json.dumps({"tool": "scmcheck docs", "files": written}, indent=1) + "\n")
    return written


def _manifest(out: Path) -> list:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", [])
        return [f for f in files if isinstance(f, str) and not f.startswith(("/", "..")) and ".." not in f.split("/")]
    except (OSError, ValueError, AttributeError):
        return []
