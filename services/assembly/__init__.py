"""The composition root: which stages run in which process, decided in this one place.

The stages (`services/ingest`, `gridding`, `alerts`, `radar`, `neighbours`) know nothing of
processes, and the web (`services/web`) only serves HTTP and WebSocket from the runtime it
is handed. Every entry point assembles its process here, one module per shape:

- `embedded.py`: `seagrid serve` (every stage beside the web, memory bus, PostgreSQL) and
  `serve --demo` (the looping demo feed of `demo_feed.py`, memory stores), and `run web`'s
  runtime;
- `replay.py`: `seagrid replay` (ingest from a file, gridding, alerts, fusion);
- `processes.py`: each `seagrid run STAGE` over Redis, with its `--metrics-port`
  (`probe.py`);
- `pipeline.py`: the builders they share (stages from the configuration, status sources,
  consumer groups, restoring the alert book, the grid reload on SIGHUP).
"""
