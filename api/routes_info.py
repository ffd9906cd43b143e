"""The info resource: create one, read one, list them by keyset pagination."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import select

from api.deps import DatabaseDep, writer_of
from api.info_form import DESC_MAX_BYTES, OPENAPI_REQUEST_BODY, info_form
from api.limits import MAX_BODY_BYTES
from api.schemas import MAX_ID, InfoOut, InfoPage, Problem
from core.models import SomeInfo

router = APIRouter(tags=["info"])

_DESCRIPTIONS = {
    404: "No such info",
    413: f"Body over {MAX_BODY_BYTES} bytes",
    415: "Not a UTF-8 urlencoded form",
    422: f"Invalid parameters, or desc missing, repeated, not UTF-8 or over {DESC_MAX_BYTES} bytes",
    503: "Database unavailable, too slow, or its schema not migrated yet (Retry-After); "
    'for POST, "write" says whether the row may have been stored',
}


def _errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in statuses}


@router.post(
    "/info",
    status_code=status.HTTP_201_CREATED,
    response_model=InfoOut,
    responses=_errors(413, 415, 422, 503),
    openapi_extra=OPENAPI_REQUEST_BODY,
)
async def create_info(request: Request) -> Response:
    # The hot path (see bench/README.md): no dependency injection, the form parsed on the event
    # loop, only the INSERT on a thread, the answer serialised once.
    desc = await info_form(request)
    new_id = await writer_of(request).insert(desc)
    body = json.dumps({"id": new_id, "desc": desc}, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body.encode(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={"Location": f"/info/{new_id}"},
    )


@router.get("/info/{info_id}", response_model=InfoOut, responses=_errors(404, 422, 503))
async def read_info(info_id: Annotated[int, Path(ge=1, le=MAX_ID)], db: DatabaseDep) -> InfoOut:
    info = await db.run(lambda session: session.get(SomeInfo, info_id))
    if info is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no info with id {info_id}")
    return InfoOut.model_validate(info)


@router.get("/info", response_model=InfoPage, responses=_errors(422, 503))
async def list_infos(
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> InfoPage:
    query = select(SomeInfo).where(SomeInfo.id > after_id).order_by(SomeInfo.id).limit(limit)
    rows = await db.run(lambda session: list(session.scalars(query)))
    items = [InfoOut.model_validate(row) for row in rows]
    next_after_id = items[-1].id if len(items) == limit else None
    return InfoPage(items=items, next_after_id=next_after_id)
