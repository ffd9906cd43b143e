"""The info resource: create one, read one, list them by keyset pagination."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import select

from api.deps import SessionDep, writer_of
from api.info_form import DESC_MAX_BYTES, OPENAPI_REQUEST_BODY, info_form
from api.limits import MAX_BODY_BYTES
from api.schemas import MAX_ID, InfoOut, InfoPage, Problem, ValidationProblem
from core.models import SomeInfo

router = APIRouter(tags=["info"])

_ERRORS: dict[int | str, dict[str, object]] = {
    413: {"model": Problem, "description": f"Body over {MAX_BODY_BYTES} bytes"},
    415: {"model": Problem, "description": "Not a UTF-8 urlencoded form"},
    422: {
        "model": ValidationProblem,
        "description": f"desc missing, repeated, not UTF-8 or over {DESC_MAX_BYTES} bytes",
    },
    503: {"model": Problem, "description": "Database unavailable"},
}


@router.post(
    "/info",
    status_code=status.HTTP_201_CREATED,
    response_model=InfoOut,
    responses=_ERRORS,
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


@router.get(
    "/info/{info_id}",
    response_model=InfoOut,
    responses={404: {"model": Problem}, 503: _ERRORS[503]},
)
def read_info(info_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep) -> InfoOut:
    info = session.get(SomeInfo, info_id)
    if info is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no info with id {info_id}")
    return InfoOut.model_validate(info)


@router.get("/info", response_model=InfoPage, responses={503: _ERRORS[503]})
def list_infos(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> InfoPage:
    rows = session.scalars(
        select(SomeInfo).where(SomeInfo.id > after_id).order_by(SomeInfo.id).limit(limit)
    ).all()
    items = [InfoOut.model_validate(row) for row in rows]
    next_after_id = items[-1].id if len(items) == limit else None
    return InfoPage(items=items, next_after_id=next_after_id)
