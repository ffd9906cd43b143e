"""The production app plus one route with a bug, for the test that a 500 is logged once."""

from __future__ import annotations

from fastapi import FastAPI

from api.web import create_app as create_production_app

BUG = "a deliberate bug in GET /bug"


def create_app() -> FastAPI:
    app = create_production_app()

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError(BUG)

    return app
