"""scmcheck docs: the generated reference (issue 12).

The whole built-in catalog is checked once (explicit engine, as CI does) and
written as HTML and as Markdown; the other tests document one or two designs
through the real CLI.  Everything is compared against the live catalog, rules
and models, never against hard-coded lists.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from scmcheck.cli import _engine_options, main
from scmcheck.docs.paths import image_path
from scmcheck.model.designs import registry
from scmcheck.properties.catalog import PROPERTIES
from scmcheck.properties.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
TIME = re.compile(r"<time\b[^>]*>.*?</time>", re.S)


def strip_times(text: str) -> str:
    """The content with the generation date (and any measured time) removed."""
    return TIME.sub("<time></time>", text)


def cited_urls() -> set:
    """The only URLs outside the site a page may name: the Microsoft pages the rules and entries cite."""
    return {r.source_url for r in RULES} | {u for p in PROPERTIES for u in p.sources}


def _args(**kw) -> argparse.Namespace:
    base = dict(depth=None, timeout=None, runs=None, seed=None, engine="explicit")
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """The built-in catalog checked once with the explicit engine, written as HTML and as Markdown."""
    from scmcheck.docs.collect import collect
    from scmcheck.docs.site import render, write

    html, md = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("md")
    args = _args()
    options = _engine_options(("explicit",), args)
    site = collect([], ("explicit",), options, args, html, "2020-01-01T00:00:00Z")
    traces = sorted({rel for d in site.designs for rel in d.files.values()})
    write(html, render(site, "html"), traces)
    # the Markdown pages link the same trace files: copy them beside the pages
    for rel in traces:
        (md / rel).parent.mkdir(parents=True, exist_ok=True)
        (md / rel).write_bytes((html / rel).read_bytes())
    write(md, render(site, "markdown"), traces)
    return site, html, md


# ---------------------------------------------------------------- pages exist

def test_every_rule_has_a_page_in_both_formats(catalog):
    _, html, md = catalog
    for r in RULES:
        for folder, ext in ((html, "html"), (md, "md")):
            page = folder / "rules" / f"{r.number}.{ext}"
            assert page.is_file(), f"no page for rule {r.number}"
            text = page.read_text(encoding="utf-8")
            assert r.number in text and r.source_url in text
    index = (html / "index.html").read_text(encoding="utf-8")
    for r in RULES:
        assert f'href="rules/{r.number}.html"' in index


def test_every_entry_family_and_design_has_a_page(catalog):
    site, html, md = catalog
    applying = {p.id for d in site.designs for p in d.props}
    for pid in applying:
        assert (html / "entries" / f"{pid}.html").is_file()
        assert (md / "entries" / f"{pid}.md").is_file()
    for name in registry():
        assert (html / "designs" / f"{name}.html").is_file()
    for f in site.families:
        assert (html / "models" / f"{f.family.name}.html").is_file()


def test_a_rule_page_lists_every_entry_citing_it_and_shows_a_broken_and_a_kept_run(catalog):
    site, html, _ = catalog
    by_rule: dict = {}
    for p in site.entries:
        for n in p.rules:
            by_rule.setdefault(n, []).append(p.id)
    for number, ids in by_rule.items():
        if number not in {r.number for r in RULES}:
            continue
        text = (html / "rules" / f"{number}.html").read_text(encoding="utf-8")
        for pid in ids:
            assert f"entries/{pid}.html" in text, f"rule {number} page does not link {pid}"
    text = (html / "rules" / "000.3.html").read_text(encoding="utf-8")
    assert "A run that breaks it" in text and "A run that keeps it" in text and "<img" in text


def test_entry_pages_show_readable_predicates_traces_and_reruns(catalog):
    site, html, _ = catalog
    for p in site.entries:
        text = (html / "entries" / f"{p.id}.html").read_text(encoding="utf-8")
        assert p.guarantee.replace("'", "&#x27;") in text
        assert "lambda" not in text and "<function" not in text and "Expr(" not in text
        for d in site.designs:
            if d.violated(p.id):
                assert f"cx-{d.key}-{p.id}-" in text, f"{p.id}: no counterexample picture for {d.name}"
                assert "scmcheck check " + d.target in text
    for p in PROPERTIES:  # liveness counterexamples are lassos
        if p.kind != "leads_to":
            continue
        broken = [d for d in site.designs if d.violated(p.id)]
        if broken:
            text = (html / "entries" / f"{p.id}.html").read_text(encoding="utf-8")
            assert "a lasso" in text and "loops back" in text or "stays in this state forever" in text
    # a correct design's witness trace ("what keeping it looks like")
    kept = [(p, d) for d in site.designs for p in d.props if p.id in d.witness]
    assert kept
    p, d = kept[0]
    assert f"witness-{d.key}-{p.id}" in (html / "entries" / f"{p.id}.html").read_text(encoding="utf-8")


def test_design_pages_have_the_model_the_verdict_table_and_a_lifecycle(catalog):
    site, html, _ = catalog
    from scmcheck import __version__

    for d in site.designs:
        text = (html / "designs" / f"{d.key}.html").read_text(encoding="utf-8")
        assert f"scmcheck {__version__}" in text and "<time" in text
        for p in d.props:
            assert f"entries/{p.id}.html" in text
        for a in d.system.actions:
            assert f"<code>{a.label}</code>" in text
        for v in d.system.variables:
            assert f"<code>{v.name}</code>" in text
        for lc in d.lifecycles:
            assert image_path(f"lifecycle-{d.key}-{lc.variable}") in text
        assert "⇒" in text or "∧" in text or "=" in text
        assert re.search(r"\b\w+ == \d", text) is None, "a Python-style comparison leaked into the page"


# ---------------------------------------------------------------- links, images, self-contained

class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list = []
        self.ids: set = set()
        self.tags: set = set()

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append((tag, k, v))
            if k == "id" and v:
                self.ids.add(v)


def _parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_html_links_and_images_resolve_and_nothing_is_fetched(catalog):
    _, html, _ = catalog
    allowed = cited_urls()
    pages = sorted(html.rglob("*.html"))
    parsed = {p: _parse(p) for p in pages}
    for page, p in parsed.items():
        assert not p.tags & {"script", "link", "iframe", "object", "embed", "base"}, page
        text = page.read_text(encoding="utf-8")
        assert "@import" not in text and "url(" not in text and "@font-face" not in text
        for tag, attr, ref in p.refs:
            parts = urlsplit(ref)
            if parts.scheme:
                assert attr == "href" and tag == "a" and ref in allowed, f"{page}: reference outside the site {ref}"
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(html)}: broken {attr} {ref}"
            assert html.resolve() in target.parents or target == html.resolve()
            if parts.fragment:
                assert parts.fragment in parsed[target].ids, f"{page.relative_to(html)}: no anchor {ref}"
    # every picture is used
    used = {(page.parent / r).resolve() for page, p in parsed.items() for t, a, r in p.refs if t == "img"}
    assert {p.resolve() for p in (html / "img").glob("*.svg")} == used


def test_every_svg_parses_as_xml_and_fetches_nothing(catalog):
    _, html, _ = catalog
    svgs = sorted((html / "img").glob("*.svg"))
    assert svgs
    for f in svgs:
        root = ET.parse(f).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", f
        for el in root.iter():
            for k, v in el.attrib.items():
                if k.endswith("href"):
                    assert v.startswith("#"), f"{f.name}: external reference {v}"
        assert "@import" not in f.read_text(encoding="utf-8")


def _slug(heading: str) -> str:
    """The anchor a code host generates for a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").replace("\\", "").lower()
    return re.sub(r"[^\w\- ]", "", text).strip().replace(" ", "-")


def test_markdown_links_resolve_and_pictures_are_mermaid(catalog):
    _, _, md = catalog
    allowed = cited_urls()
    pages = sorted(md.rglob("*.md"))
    anchors = {p.resolve(): {_slug(m) for m in re.findall(r"^#+ (.*)$", p.read_text(encoding="utf-8"), re.M)}
               for p in pages}
    mermaid = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        mermaid += text.count("```mermaid")
        assert "<img" not in text and "<script" not in text
        for ref in re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"<(https?://[^>]+)>", text):
            parts = urlsplit(ref)
            if parts.scheme:
                assert ref in allowed, f"{page}: reference outside the site {ref}"
                continue
            target = (page.parent / parts.path).resolve() if parts.path else page.resolve()
            assert target.is_file(), f"{page.relative_to(md)}: broken link {ref}"
            if parts.fragment:
                assert parts.fragment in anchors[target], f"{page.relative_to(md)}: no heading for {ref}"
        for url in re.findall(r"https?://[^\s)>\]|]+", text):
            assert url in allowed, f"{page}: URL outside the site {url}"
    assert mermaid > 0 and not list(md.rglob("*.svg"))
    assert (md / "README.md").is_file()


def test_no_page_names_a_url_outside_the_site_but_the_cited_pages(catalog):
    _, html, _ = catalog
    allowed = cited_urls()
    for page in html.rglob("*.html"):
        for url in re.findall(r"https?://[^\s\"'<>)]+", page.read_text(encoding="utf-8")):
            assert url in allowed, f"{page}: {url}"


def test_lifecycle_edges_come_from_the_reachable_graph(catalog):
    """Each edge of a lifecycle picture is a real transition of the model, labelled by real actions."""
    from scmcheck.docs.collect import lifecycle_of

    site, _, _ = catalog
    d = next(d for d in site.designs if d.name == "service-correct")
    system = d.system
    names = {a.name for a in system.actions}
    for lc in d.lifecycles:
        var = system.variable(lc.variable)
        assert lc.initial == var.label(var.init)
        for a, b, actions in lc.edges:
            assert a != b and actions and set(actions) <= names
        # the same projection from a fresh search
        again = lifecycle_of(system)
        assert [(x.values, x.edges) for x in again] == [(x.values, x.edges) for x in d.lifecycles]


# ---------------------------------------------------------------- the CLI

def _docs(capsys, *argv):
    code = main(["docs", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_users_design_gets_its_own_pages(capsys, tmp_path):
    out = tmp_path / "mine"
    code, stdout, err = _docs(capsys, "examples/service/queue_handler.py:design", "--out", str(out), "--json")
    assert code == 0, err
    data = json.loads(stdout)  # --json prints what was written and nothing else
    assert data["designs"] == ["example-queue-handler"]
    assert "designs/example-queue-handler.html" in data["files"]
    assert all((out / f).is_file() for f in data["files"])
    text = (out / "designs" / "example-queue-handler.html").read_text(encoding="utf-8")
    assert "main_drain_stop" in text and "queued" in text and "lifecycle-example-queue-handler-reported" in text
    assert not (out / "designs" / "service-correct.html").exists()
    assert len([f for f in data["files"] if f.startswith("rules/")]) == len(RULES)


def test_changing_a_design_changes_its_page(capsys, tmp_path):
    design = tmp_path / "ours.toml"
    out = tmp_path / "site"
    page = out / "designs" / "our-service.html"
    design.write_text('model = "service"\nname = "our-service"\nwait_for_workers = true\n', encoding="utf-8")
    assert _docs(capsys, str(design), "--out", str(out))[0] == 0
    before = page.read_text(encoding="utf-8")
    assert 'class="v v-violated"' not in before
    design.write_text('model = "service"\nname = "our-service"\nwait_for_workers = false\n', encoding="utf-8")
    assert _docs(capsys, str(design), "--out", str(out))[0] == 0
    after = page.read_text(encoding="utf-8")
    assert after != before and 'class="v v-violated"' in after and "cx-our-service-stopped_only_after_threads_exit" in after
    entry = (out / "entries" / "stopped_only_after_threads_exit.html").read_text(encoding="utf-8")
    assert "our-service" in entry and "violated" in entry


def test_a_new_run_removes_only_the_files_the_last_run_wrote(capsys, tmp_path):
    out = tmp_path / "site"
    assert _docs(capsys, "service-correct", "--out", str(out))[0] == 0
    mine = out / "notes.txt"
    mine.write_text("mine", encoding="utf-8")
    assert _docs(capsys, "service-no-stop-progress", "--out", str(out))[0] == 0
    assert not (out / "designs" / "service-correct.html").exists()
    assert (out / "designs" / "service-no-stop-progress.html").is_file() and mine.read_text() == "mine"


def _regenerate(out: Path, hash_seed: str, *extra: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    cmd = [sys.executable, "-m", "scmcheck", "docs", "service-worker-never-exits", "com-locks-not-counted",
           "--out", str(out), *extra]
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT, timeout=300)
    return {p.relative_to(out).as_posix(): strip_times(p.read_text(encoding="utf-8"))
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_regenerating_is_byte_identical_once_times_are_stripped(tmp_path):
    a = _regenerate(tmp_path / "a", "1")
    b = _regenerate(tmp_path / "b", "2")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs"


def test_fuzz_runs_are_reproducible_with_a_seed(capsys, tmp_path):
    pages = []
    for k in (1, 2):
        out = tmp_path / str(k)
        assert _docs(capsys, "shutdown-stay-keeps-running", "--engine", "fuzz", "--seed", "7", "--runs", "3",
                     "--depth", "15", "--format", "markdown", "--out", str(out))[0] == 0
        pages.append({p.relative_to(out).as_posix(): strip_times(p.read_text(encoding="utf-8"))
                      for p in sorted(out.rglob("*.md"))})
    assert pages[0] == pages[1]
    assert "| fuzz |" in pages[0]["designs/shutdown-stay-keeps-running.md"]


@pytest.mark.parametrize("argv, says", [
    (["--format", "pdf"], "--format"),
    (["no-such-design"], "unknown design"),
    (["--engine", "quantum"], "--engine"),
    (["--seed", "x"], "--seed"),
    (["examples/service/missing.py:design"], "no such file"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, says):
    code, out, err = _docs(capsys, *argv, "--out", str(tmp_path / "o"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err and "Traceback" not in err


def test_an_out_that_is_a_file_is_refused_before_any_check(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = _docs(capsys, "service-correct", "--out", str(blocker / "site"))
    assert code == 2 and "--out" in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- layering and notation

def test_rendering_never_imports_engines():
    """Only collect.py (and the command that calls it) may run checks; nothing that renders imports an engine."""
    for f in (ROOT / "scmcheck" / "docs").glob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | \
               {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.startswith("scmcheck.properties.engines") for m in mods), f.name
        if f.name not in ("collect.py", "command.py"):
            assert "scmcheck.properties.check" not in mods, f"{f.name} runs checks"


def test_pretty_printer_reads_like_the_rules():
    from scmcheck import targets
    from scmcheck.model.lang.pretty import Notation
    from scmcheck.properties.catalog import CATALOG

    system = targets.load("service-correct").system
    nt = Notation.of(system)
    goal = CATALOG["stopped_only_after_threads_exit"].goal(system)
    assert nt.text(goal.invariant) == "reported ≠ STOPPED ∨ all_threads_exited"
    handler = CATALOG["handler_returns_within_30s"].goal(system)
    assert nt.text(handler.invariant) == "handler_elapsed ≤ 30 s"
    act = next(a for a in system.actions if a.name == "handler_accept_stop")
    assert "reported := STOP_PENDING" in nt.update(act.update)
    body = nt.lines(system.definitions["all_threads_exited"], root_name="all_threads_exited")
    assert body == [" ∧ ".join(["main = EXITED", *(f"¬worker_alive[{i}]" for i in range(system.parameters["workers"]))])]
