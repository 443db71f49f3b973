"""Pure pipeline stages: no store, no API, no CLI.

``embed`` turns texts into vectors, ``cluster`` groups them into themes, ``tokens``
and ``describe`` name the themes, ``sentiment`` scores each item. Each stage takes
arrays and records and returns arrays and records; ``textinsight.pipeline`` composes
them and owns every read and write of the store.
"""
