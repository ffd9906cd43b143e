"""POST /info stores exactly what was sent and says where it lives."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_classic_hoge(client: TestClient) -> None:
    response = client.post("/info", data={"desc": "hoge"})

    assert response.status_code == 201
    assert response.json() == {"id": 1, "desc": "hoge"}
    assert response.headers["location"] == "/info/1"


def test_ids_increase_and_each_row_reads_back(client: TestClient) -> None:
    first = client.post("/info", data={"desc": "a"}).json()
    second = client.post("/info", data={"desc": "b"}).json()

    assert second["id"] > first["id"]
    assert client.get(f"/info/{second['id']}").json() == second


def test_four_byte_utf8_and_sql_metacharacters_round_trip(client: TestClient) -> None:
    tricky = "😀 𝄞 '; DROP TABLE some_infos; -- \" \\ % _ \x00 \t\n日本語"

    created = client.post("/info", data={"desc": tricky})

    assert created.status_code == 201
    assert created.json()["desc"] == tricky
    assert client.get(f"/info/{created.json()['id']}").json()["desc"] == tricky


def test_raw_utf8_body_without_percent_encoding_is_stored_as_utf8(client: TestClient) -> None:
    # What `curl -d 'desc=日本'` sends: raw UTF-8 bytes, not percent-encoded.
    response = client.post(
        "/info",
        content="desc=日本".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 201
    assert response.json()["desc"] == "日本"


def test_desc_of_exactly_65535_bytes_is_stored_whole(client: TestClient) -> None:
    desc = "€" * 21_845  # 3 bytes each: 65,535 bytes

    created = client.post("/info", data={"desc": desc})

    assert created.status_code == 201
    assert client.get(f"/info/{created.json()['id']}").json()["desc"] == desc


def test_empty_desc_is_a_valid_value(client: TestClient) -> None:
    response = client.post("/info", data={"desc": ""})

    assert response.status_code == 201
    assert response.json()["desc"] == ""
