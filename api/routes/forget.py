"""``POST /forget``: erase a customer's data (GDPR Art. 17; needs a ``write`` key).

The customer id travels in the body, not the URL, so it never reaches access logs.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SettingsDep, StoreDep, WriteKey
from api.errors import ErrorOut
from textinsight.erasure import forget_customer


class ForgetIn(BaseModel):
    """Whose data to erase."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(
        min_length=1,
        max_length=500,
        description="As sent at ingest (an e-mail address finds its pseudonym too).",
    )


class ErasedOut(BaseModel):
    """What was erased."""

    feedback: int
    assignments: int
    embeddings: int
    quotes: int
    customers: int
    purchases: int


router = APIRouter(
    prefix="/forget",
    tags=["privacy"],
    dependencies=[WriteKey],
    responses={503: {"model": ErrorOut}},
)


@router.post("", response_model=ErasedOut)
def forget(store: StoreDep, settings: SettingsDep, body: ForgetIn) -> ErasedOut:
    """Erase a customer's feedback, its theme assignments, cached vectors, quotes in
    stored runs, customer record and purchases. Answers the counts (all 0 when the
    customer is unknown); repeating it is harmless."""
    erased = forget_customer(store, body.customer_id, settings.pseudonym_key or None)
    return ErasedOut(**erased.__dict__)
