"""GET /info/{id} and the keyset-paginated GET /info."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/info/12345")

    assert response.status_code == 404
    assert "12345" in response.json()["detail"]


def test_ids_outside_bigint_are_422_not_500(client: TestClient) -> None:
    for bad in ("0", "-1", "9223372036854775808", "abc"):
        assert client.get(f"/info/{bad}").status_code == 422, bad


def test_list_pages_by_keyset(client: TestClient) -> None:
    ids = [client.post("/info", data={"desc": f"n{i}"}).json()["id"] for i in range(5)]

    first = client.get("/info", params={"limit": 2}).json()
    second = client.get("/info", params={"limit": 2, "after_id": first["next_after_id"]}).json()
    last = client.get("/info", params={"limit": 2, "after_id": second["next_after_id"]}).json()

    assert [item["id"] for item in first["items"]] == ids[:2]
    assert [item["id"] for item in second["items"]] == ids[2:4]
    assert [item["id"] for item in last["items"]] == ids[4:]
    assert last["next_after_id"] is None


def test_list_defaults_to_20(client: TestClient) -> None:
    for i in range(21):
        client.post("/info", data={"desc": str(i)})

    page = client.get("/info").json()

    assert len(page["items"]) == 20
    assert page["next_after_id"] == page["items"][-1]["id"]


def test_list_limit_bounds(client: TestClient) -> None:
    assert client.get("/info", params={"limit": 0}).status_code == 422
    assert client.get("/info", params={"limit": 101}).status_code == 422
    assert client.get("/info", params={"limit": 100}).status_code == 200
    assert client.get("/info", params={"after_id": -1}).status_code == 422
