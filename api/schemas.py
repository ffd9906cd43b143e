"""What the HTTP API accepts and returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MAX_ID = 2**63 - 1  # BIGINT's upper bound; larger ids cannot exist and must not reach the driver


class InfoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    desc: str


class InfoPage(BaseModel):
    items: list[InfoOut]
    next_after_id: int | None


class Problem(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """FastAPI's 422 shape, documented for routes that validate their body themselves."""

    detail: list[ValidationIssue]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    reason: str | None = None
    revision: str | None = None
