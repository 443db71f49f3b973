"""Reading, validating, redacting and language-tagging raw customer feedback."""
