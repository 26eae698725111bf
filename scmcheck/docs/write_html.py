"""Pages as self-contained HTML: inline CSS, pictures as local SVG files, no scripts, no fonts,
no request outside the site (the cited Microsoft pages are plain links)."""

from __future__ import annotations

from html import escape
from typing import Any

from .document import Bullets, Code, CodeLines, Figure, Heading, Link, Page, Para, Pre, Strong, Table, Verdict, When
from .paths import image_path, page_path, relative

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0; color: #111827;
       line-height: 1.45; background: #ffffff; }
nav.top { background: #1e293b; padding: 8px 24px; font-size: 14px; }
nav.top a { color: #e2e8f0; text-decoration: none; margin-right: 18px; }
nav.top a:hover { text-decoration: underline; }
nav.crumbs { padding: 8px 24px 0; font-size: 13px; color: #6b7280; }
nav.crumbs a { color: #2563eb; }
main { padding: 4px 24px 24px; max-width: 1400px; }
h1 { font-size: 24px; margin: 12px 0 10px; } h2 { font-size: 19px; margin-top: 30px;
     border-bottom: 1px solid #e5e7eb; padding-bottom: 3px; } h3 { font-size: 16px; margin-top: 22px; }
a { color: #2563eb; }
p.meta { color: #4b5563; font-size: 14px; } p.note { color: #6b7280; font-style: italic; }
p.bad { color: #b91c1c; } p.good { color: #15803d; }
code, pre, td.code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; }
code { background: #f3f4f6; padding: 0 3px; border-radius: 3px; }
pre { background: #f8fafc; border: 1px solid #e5e7eb; padding: 8px 10px; overflow-x: auto; font-size: 12px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 14px; }
th, td { border: 1px solid #d1d5db; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td pre.cell { margin: 0; border: none; background: none; padding: 0; white-space: pre; font-size: 12px; }
table.actions td, table.defs td { font-size: 13px; }
table.actions td:nth-child(4) { min-width: 220px; }
.v { font-weight: bold; padding: 0 4px; border-radius: 3px; white-space: nowrap; }
.v-violated, .v-breaks-it, .v-differs-from-its-label { color: #ffffff; background: #dc2626; }
.v-proved, .v-keeps-it, .v-as-labelled { color: #ffffff; background: #16a34a; }
.v-bounded { color: #1e3a8a; background: #dbeafe; }
.v-vacuous { color: #713f12; background: #fef3c7; }
.v-unknown, .v-not-settled { color: #374151; background: #e5e7eb; }
figure { margin: 10px 0 6px; }
figure .pic { overflow-x: auto; border: 1px solid #e5e7eb; padding: 6px; background: #ffffff; }
figure img { display: block; max-width: none; }
figcaption { font-size: 13px; color: #4b5563; margin-top: 4px; }
footer { padding: 12px 24px; font-size: 12px; color: #6b7280; border-top: 1px solid #e5e7eb; }
"""

SECTIONS = (("Rules", "rules"), ("Properties", "properties"), ("Models", "models"), ("Designs", "designs"))


class HtmlWriter:
    """Writes pages; ``files`` collects (relative path, text) of every page and picture."""

    fmt = "html"

    def __init__(self, site: Any) -> None:
        self.site = site
        self.files: dict[str, str] = {}
        self.here = ""

    # ------------------------------------------------------------ links
    def href(self, target: str) -> str:
        if target.startswith("file:"):
            return relative(self.here, target[5:])
        page, _, anchor = target.partition("#")
        path = page_path(page, self.fmt) if page else self.here
        rel = relative(self.here, path) if path != self.here or not anchor else ""
        return rel + (f"#{anchor}" if anchor else "")

    # ------------------------------------------------------------ inline
    def inline(self, items: Any) -> str:
        if isinstance(items, (str, Code, Link, Strong, Verdict, When)):
            items = [items]
        out = []
        for it in items:
            if isinstance(it, str):
                out.append(escape(it))
            elif isinstance(it, Code):
                out.append(f"<code>{escape(it.text)}</code>")
            elif isinstance(it, Strong):
                out.append(f"<strong>{escape(it.text)}</strong>")
            elif isinstance(it, Verdict):
                cls = "v-" + it.word.replace(" ", "-")
                out.append(f'<span class="v {escape(cls)}">{escape(it.word)}</span>')
            elif isinstance(it, When):
                out.append(f'<time datetime="{escape(it.machine or it.text)}">{escape(it.text)}</time>')
            elif isinstance(it, Link):
                href = it.to if it.external else self.href(it.to)
                out.append(f'<a href="{escape(href)}">{self.inline(it.text)}</a>')
            else:
                out.append(escape(str(it)))
        return "".join(out)

    # ------------------------------------------------------------ blocks
    def block(self, b: Any) -> str:
        if isinstance(b, Heading):
            anchor = f' id="{escape(b.anchor)}"' if b.anchor else ""
            return f"<h{b.level}{anchor}>{self.inline(b.text)}</h{b.level}>"
        if isinstance(b, Para):
            cls = f' class="{b.kind}"' if b.kind else ""
            return f"<p{cls}>{self.inline(b.text)}</p>"
        if isinstance(b, Bullets):
            return "<ul>" + "".join(f"<li>{self.inline(i)}</li>" for i in b.items) + "</ul>"
        if isinstance(b, Pre):
            return f"<pre>{escape(b.text)}</pre>"
        if isinstance(b, Table):
            cls = f' class="{b.kind}"' if b.kind else ""
            head = "".join(f"<th>{escape(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(self.cell(c) for c in row) + "</tr>" for row in b.rows)
            return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        if isinstance(b, Figure):
            path = image_path(b.name)
            self.files[path] = b.svg
            return (f'<figure><div class="pic"><img src="{escape(relative(self.here, path))}" '
                    f'alt="{escape(b.alt)}"></div><figcaption>{self.inline(b.caption)}</figcaption></figure>')
        raise TypeError(f"unknown block {type(b).__name__}")

    def cell(self, c: Any) -> str:
        if isinstance(c, CodeLines):
            return f'<td><pre class="cell">{escape(chr(10).join(c.lines))}</pre></td>'
        return f"<td>{self.inline(c)}</td>"

    # ------------------------------------------------------------ pages
    def page(self, page: Page) -> None:
        self.here = page_path(page.id, self.fmt)
        nav = " ".join(f'<a href="{escape(self.href("index#" + a))}">{t}</a>' for t, a in SECTIONS)
        nav = f'<nav class="top"><a href="{escape(self.href("index"))}"><b>scmcheck reference</b></a> {nav}</nav>'
        crumbs = ""
        if page.id != "index":
            up = page.parent or "index"
            crumbs = (f'<nav class="crumbs"><a href="{escape(self.href("index"))}">index</a> › '
                      f'<a href="{escape(self.href(up))}">{escape(page.section or "back")}</a> › '
                      f"{escape(page.title)}</nav>")
        body = "\n".join(self.block(b) for b in page.blocks)
        site = self.site
        footer = (f"<footer>Generated by scmcheck {escape(site.version)} on "
                  f'{self.inline(When(site.generated_text, site.generated))} from the checker\'s own definitions. '
                  f'<a href="{escape(self.href("index"))}">Back to the index</a>.</footer>')
        self.files[self.here] = "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(page.title)} · scmcheck reference</title>",
            f"<style>{CSS}</style></head><body>",
            nav, crumbs, f"<main><h1>{escape(page.title)}</h1>", body, "</main>", footer,
            "</body></html>",
        ]) + "\n"
