"""``python -m scmcheck``: the command line (scmcheck.cli), exit status as documented there."""

import sys

try:
    from .cli import main
except Exception as exc:  # noqa: BLE001 - a broken installation: one line, exit 4, as for any internal error
    if "--debug" in sys.argv[1:]:
        raise
    print(f"scmcheck: internal error: {type(exc).__name__}: {exc} "
          "(please report; rerun with --debug for the traceback)", file=sys.stderr)
    raise SystemExit(4) from None

raise SystemExit(main())
