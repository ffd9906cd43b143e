"""What the HTTP API accepts and returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

MAX_ID = 2**63 - 1  # BIGINT's upper bound; larger ids cannot exist and must not reach the driver


class InfoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    desc: str


class InfoPage(BaseModel):
    items: list[InfoOut]
    next_after_id: int | None


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Every error's body (api/problems.py): a code, a sentence, and what applies of the rest."""

    code: str
    detail: str
    errors: list[ValidationIssue] | None = None  # 422: each invalid field
    write: Literal["not_written", "unknown"] | None = None  # POST /info answered 503


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    reason: str | None = None
    revision: str | None = None
