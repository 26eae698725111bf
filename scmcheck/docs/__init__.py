"""``scmcheck docs``: reference documentation generated from the checker's own definitions.

``command`` (the CLI's subcommand) -> ``collect`` (load and check every design with
``scmcheck.properties.check``, trace files, witness traces, lifecycle graphs) ->
``pages_*`` (format-independent pages, ``document``) -> ``write_html`` /
``write_markdown`` -> ``site`` (atomic writes, manifest).  Pictures:
``lifecycle`` (the reachable graph projected onto the state the outside sees),
``lifecycle_svg``, ``lifecycle_mermaid``, and the trace renderers of
``scmcheck.traces``.  Only ``collect`` runs checks; nothing that renders
imports an engine.
"""
