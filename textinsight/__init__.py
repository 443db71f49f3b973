"""textinsight: turn raw customer feedback into themes ranked by what they are worth.

The library does all the work; ``textinsight.cli`` and the ``api`` package are thin
layers over it. Start with :func:`textinsight.pipeline.run_pipeline`.
"""

__version__ = "0.1.0"
