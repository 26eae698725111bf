"""A small document model: what a page says, before it is written as HTML or Markdown.

Pages are built once from the checked data (``pages_*.py``) and written by
``write_html`` and ``write_markdown``, so both formats carry the same content.

Inline content is a list of items: a plain ``str``, :class:`Code`, :class:`Link`,
:class:`Strong`, :class:`Verdict` (a verdict word, coloured in HTML) or
:class:`When` (a date or a duration: stripped when outputs are compared).
Blocks: :class:`Heading`, :class:`Para`, :class:`Bullets`, :class:`Table`,
:class:`Pre`, :class:`Figure`.  A :class:`Link` points at a page id
(``"rule:000.3"``), a page id with an anchor (``"design:x#verdicts"``), or a
cited URL (``external=True``): writers turn page ids into relative paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    text: Any  # str or Code
    to: str  # page id, "page id#anchor", or an absolute URL (external=True)
    external: bool = False


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Verdict:
    word: str  # violated | proved | bounded | vacuous | unknown | ... (also "as labelled" marks)


@dataclass(frozen=True)
class When:
    """A generation date or a measured duration: the only content that differs between two runs."""

    text: str
    machine: str = ""  # the ISO form (HTML datetime attribute)


Inline = Union[str, Code, Link, Strong, Verdict, When]


@dataclass
class Heading:
    level: int
    text: list
    anchor: str = ""


@dataclass
class Para:
    text: list
    kind: str = ""  # "" | "note" | "meta" | "bad" | "good"


@dataclass
class Bullets:
    items: list  # each a list of inline items


@dataclass
class Pre:
    text: str
    lang: str = "text"


@dataclass
class CodeLines:
    """Code in a table cell (one or more lines), e.g. a guard."""

    lines: list


@dataclass
class Table:
    headers: list  # of str
    rows: list  # of rows; a cell is a list of inline items, or a CodeLines
    kind: str = ""  # css class


@dataclass
class Figure:
    """A picture: ``svg`` (HTML, written as an image file ``name``.svg) or ``mermaid`` (Markdown)."""

    name: str  # file stem, unique within the site
    svg: str
    mermaid: str
    caption: list
    alt: str


Block = Union[Heading, Para, Bullets, Pre, Table, Figure]


@dataclass
class Page:
    id: str  # "index", "rule:000.3", "entry:x", "family:x", "design:x"
    title: str
    blocks: list = field(default_factory=list)
    parent: Optional[str] = None  # page id for the breadcrumb ("index" or a section anchor)
    section: str = ""  # the index section it belongs to ("Rules", "Entries", ...)

    def add(self, *blocks: Any) -> "Page":
        self.blocks.extend(blocks)
        return self

