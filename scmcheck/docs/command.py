"""``scmcheck docs [TARGET...] --out DIR [--format html|markdown]``: the command behind the CLI.

It checks every documented design with the chosen engines (explicit by
default, as ``check``), then writes the site.  Bad input (a target, a flag, an
``--out`` that cannot be written) is one line and exit 2 through the CLI's
handler; ``--json`` prints what was written and nothing else; on a terminal a
progress line says which design is being checked.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Any

from scmcheck.model.lang.errors import InputError
from scmcheck.progress import TerminalProgress

DEFAULT_OUT = "scmcheck-docs"


def add_parser(sub: Any, parents: list, formatter: Any, engines: tuple, count: Any, timeout: Any, seed: Any) -> Any:
    """The ``docs`` subcommand's arguments (called by scmcheck.cli._parser)."""
    dc = sub.add_parser("docs", help="generate the reference documentation (HTML or Markdown)", parents=parents,
                        formatter_class=formatter)
    dc.add_argument("targets", nargs="*", metavar="TARGET",
                    help="designs to document: built-in names, design.toml, file.py:object "
                         "(default: the built-in catalog and designs)")
    dc.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="folder for the site (default: %(default)s)")
    dc.add_argument("--format", default="html", choices=("html", "markdown"),
                    help="html: a self-contained site; markdown: pages with Mermaid pictures (default: %(default)s)")
    dc.add_argument("--engine", default="explicit", choices=(*engines, "all"),
                    help="engines for the verdict tables, or all of them (default: %(default)s)")
    dc.add_argument("--depth", type=count("--depth", 0, "20"), metavar="STEPS",
                    help="search bound in steps (default: explicit and pdr unbounded, bmc and kind 30, fuzz 50)")
    dc.add_argument("--timeout", type=timeout, metavar="SECONDS",
                    help="time budget per engine run, > 0 or inf (default: no limit)")
    dc.add_argument("--runs", type=count("--runs", 1, "500"), metavar="N", help="fuzz: random runs per search")
    dc.add_argument("--seed", type=seed, metavar="N",
                    help="fuzz: seed of the random runs (default: the engine's fixed, reproducible runs)")
    dc.add_argument("--json", action="store_true", help="print what was written as one JSON object, no progress")
    return dc


def _now() -> str:
    """The generation time, UTC; ``SOURCE_DATE_EPOCH`` fixes it (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"SOURCE_DATE_EPOCH={epoch[:30]!r} is not a number of seconds since 1970; "
                             "unset it or give e.g. SOURCE_DATE_EPOCH=1700000000") from None
    else:
        when = datetime.datetime.now(datetime.timezone.utc)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _check_out(out: Path) -> None:
    """InputError naming ``--out`` unless the site can be written there (before any check runs)."""
    fix = "give a writable folder for the site (--out DIR)"
    try:
        here = out
        while not here.exists() and here.parent != here:
            here = here.parent
        if not here.is_dir():
            what = "is a file" if here == out else f"is under {here}, which is a file"
            raise InputError(f"--out {out}: {what}, not a folder; {fix}")
        if not os.access(here, os.W_OK | os.X_OK):
            raise InputError(f"--out {out}: cannot write in {here}; {fix}")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot look there ({exc.strerror or exc}); {fix}") from None


class _Status(TerminalProgress):
    """The terminal progress line, with the design being checked in front of the engine's figures."""

    def __init__(self) -> None:
        super().__init__(after=0.0)
        self.prefix = ""

    def status(self, text: str) -> None:
        """Say what is being done now (``3/40 service-correct``)."""
        import shutil

        self.prefix = text
        line = f"scmcheck docs: {text}"
        width = shutil.get_terminal_size((80, 24)).columns - 1
        if len(line) > width > 0:
            line = line[:max(width - 1, 0)] + "…"
        self._write("\r\x1b[K" + line)
        self.shown = True

    def engine(self, figures: dict) -> None:
        """An engine's figures, once it has run for a second, after the design's name."""
        self({**figures, "engine": f"docs {self.prefix} · {figures.get('engine', '?')}"})


def run(args: argparse.Namespace, engine_order: tuple, engine_options: Any) -> int:
    """Check, build and write; print the summary (or ``--json``).  Exit 0."""
    from .collect import collect
    from .site import render, write

    out = Path(args.out)
    _check_out(out)
    engines = engine_order if args.engine == "all" else (args.engine,)
    options = engine_options(engines, args)
    generated = _now()
    show = not args.json and sys.stderr.isatty()
    status = _Status() if show else None
    try:
        site = collect(args.targets, engines, options, args, out, generated,
                       status=None if status is None else status.status,
                       engine_progress=None if status is None else status.engine)
        if status is not None:
            status.status("writing pages")
        files = render(site, args.format)
        traces = sorted({rel for d in site.designs for rel in d.files.values()})
        try:
            written = write(out, files, traces)
        except OSError as exc:
            raise InputError(f"--out {out}: cannot write the site ({exc.strerror or exc}); "
                             "give a writable folder for the site (--out DIR)") from None
    finally:
        if status is not None:
            status.done()
    pages = [f for f in written if f.endswith((".html", ".md"))]
    if args.json:
        from scmcheck import __version__

        print(json.dumps({
            "tool": "scmcheck", "version": __version__, "out": str(out), "format": args.format,
            "engines": list(engines), "generated": generated,
            "designs": [d.name for d in site.designs],
            "pages": len(pages), "files": written,
        }, indent=1))
    else:
        index = out / ("README.md" if args.format == "markdown" else "index.html")
        pictures = sum(1 for f in written if f.endswith(".svg"))
        traces_n = sum(1 for f in written if f.endswith(".itf.json"))
        print(f"wrote {len(written)} files to {out}: {len(pages)} pages, {pictures} pictures, {traces_n} trace files "
              f"({args.format}; {len(site.designs)} design{'' if len(site.designs) == 1 else 's'} checked with {', '.join(engines)})")
        print(f"open {index}")
    return 0
