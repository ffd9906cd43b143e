"""Liveness and readiness: /healthz never touches the database, /readyz checks the schema."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import DatabaseDep, SettingsDep
from api.problems import Unavailable
from api.schemas import Health, Readiness
from migrator.errors import Unprotected
from migrator.history.schema_state import SchemaStatus, schema_state

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

_REASONS = {
    SchemaStatus.UNINITIALISED: "schema not initialised: no alembic_version; run the migrator",
    SchemaStatus.BEHIND: "schema behind this build; run the migrator",
    SchemaStatus.DIVERGED: "schema_diverged: not on this build's line; see `migrate current`",
}


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    try:
        state = await db.run(
            lambda session: schema_state(session.connection(), settings.alembic_script_location),
            budget=settings.readiness_timeout,
        )
    except Unavailable:
        log.warning(
            "readiness: no answer within READINESS_TIMEOUT=%g s", settings.readiness_timeout
        )
        return _answer(503, Readiness(status="unavailable", reason="database not answering"))
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        return _answer(503, Readiness(status="unavailable", reason="database unreachable"))
    except Unprotected as exc:
        # An unknown revision whose lineage cannot be read: never served as proven ahead.
        log.warning("readiness: %s", exc)
        return _answer(503, Readiness(status="unavailable", reason="schema_unproven: " + str(exc)))
    if state.ready:
        revision = ",".join(state.database)
        return _answer(200, Readiness(status="ready", revision=revision))
    reason = f"{_REASONS[state.status]} ({state.describe()})"
    return _answer(503, Readiness(status="unavailable", reason=reason))


def _answer(status_code: int, body: Readiness) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status_code)
