"""Hostile and malformed requests get a clear 4xx, never a 500, truncation or a stray write."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _count(client: TestClient) -> int:
    return len(client.get("/info", params={"limit": 100}).json()["items"])


def test_missing_desc_is_422(client: TestClient) -> None:
    response = client.post("/info", data={"other": "x"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "desc"]


def test_desc_over_65535_bytes_is_422_and_not_written(client: TestClient) -> None:
    too_long = "€" * 21_845 + "a"  # 65,536 bytes, 21,846 characters

    response = client.post("/info", data={"desc": too_long})

    assert response.status_code == 422
    assert "65536 bytes" in response.json()["errors"][0]["msg"]
    assert _count(client) == 0


def test_body_over_1_mib_is_413(client: TestClient) -> None:
    response = client.post("/info", data={"desc": "x" * (1024 * 1024)})

    assert response.status_code == 413
    assert _count(client) == 0


def test_chunked_body_over_1_mib_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"desc="
        for _ in range(20):
            yield b"x" * 65_536

    response = client.post("/info", content=chunks(), headers=FORM)

    assert response.status_code == 413
    assert _count(client) == 0


def test_invalid_utf8_is_422_not_replaced(client: TestClient) -> None:
    for body in (b"desc=%FF%FE", b"desc=\xff\xfe"):
        response = client.post("/info", content=body, headers=FORM)

        assert response.status_code == 422, body
        assert "UTF-8" in response.json()["errors"][0]["msg"]
    assert _count(client) == 0


def test_wrong_content_type_is_415(client: TestClient) -> None:
    as_json = client.post("/info", json={"desc": "x"})
    as_text = client.post("/info", content=b"desc=x", headers={"content-type": "text/plain"})
    latin1 = client.post(
        "/info",
        content=b"desc=x",
        headers={"content-type": "application/x-www-form-urlencoded; charset=latin-1"},
    )

    assert [as_json.status_code, as_text.status_code, latin1.status_code] == [415, 415, 415]


def test_desc_given_twice_is_422(client: TestClient) -> None:
    response = client.post("/info", content=b"desc=a&desc=b", headers=FORM)

    assert response.status_code == 422
    assert _count(client) == 0


def test_bogus_content_length_is_413_not_500(client: TestClient) -> None:
    response = client.post(
        "/info", content=b"desc=x", headers={**FORM, "content-length": "99999999999"}
    )

    assert response.status_code == 413


def test_every_error_is_json_of_one_shape(client: TestClient) -> None:
    answers = {
        404: client.get("/info/987654"),
        405: client.delete("/info"),
        413: client.post("/info", data={"desc": "x" * (1024 * 1024)}),
        415: client.post("/info", json={"desc": "x"}),
        422: client.get("/info", params={"limit": 0}),
    }
    unknown_path = client.get("/no/such/path")

    for status, response in [*answers.items(), (404, unknown_path)]:
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) <= {"code", "detail", "errors", "write"}, body
        assert isinstance(body["code"], str)
        assert isinstance(body["detail"], str)
    assert answers[405].headers["Allow"] == "GET, POST"
    assert answers[422].json()["errors"][0]["loc"] == ["query", "limit"]
