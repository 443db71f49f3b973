"""Erase a customer's data (GDPR Art. 17) or undo one ingest: library calls for the
CLI (``textinsight forget``, ``textinsight delete``) and the API."""

from __future__ import annotations

from textinsight.pipeline import pseudonymiser
from textinsight.store import Erased, Store


def forget_customer(store: Store, customer_id: str, pseudonym_key: str | None = None) -> Erased:
    """Erase every stored trace of ``customer_id``: its feedback (with assignments,
    vectors no one else shares, and quotes in stored runs), customer record and
    purchases. The id is matched as given and as its pseudonym, so an e-mail address
    finds the rows stored under its keyed hash.

    Example:
        >>> store = Store(":memory:")
        >>> forget_customer(store, "anna@example.se", "k" * 16).feedback
        0
    """
    keys = pseudonymiser(store, pseudonym_key).lookup_keys(customer_id.strip())
    return store.erasure.forget_customer(keys)


def delete_ingest(store: Store, ingest_id: int) -> Erased:
    """Delete the feedback one ingest inserted (rows it only updated keep their new
    values) and everything derived from it.

    Raises:
        NotFoundError: there is no ingest with this id.
    """
    return store.erasure.delete_ingest(ingest_id)
