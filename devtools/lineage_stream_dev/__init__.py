"""Development tooling of lineage-stream, kept out of the runtime package and its wheel.

- ``bench``: the sustained benchmark and its baselines, the framework comparison, query latency
  (``lineage-stream bench``, ``docs/benchmarks.md``);
- ``reliability``: generated streams, a reference model of the graph, worker subprocesses under
  faults, the soak (``docs/reliability.md``);
- ``commands``: the sub-commands the ``lineage-stream`` CLI finds through the
  ``lineage_stream.commands`` entry points.
"""
