"""Reading, validating, redacting and language-tagging raw customer feedback.

Readers return records (``load.read_records``); they never touch the store:
``textinsight.pipeline.ingest_file`` stages what they return chunk by chunk and
publishes the file in one transaction (``store.staging``).
"""
