"""Reading, validating, redacting and language-tagging raw customer feedback.

Readers return records (``load.read_records``); they never touch the store:
``textinsight.pipeline.ingest_file`` writes what they return in one transaction.
"""
