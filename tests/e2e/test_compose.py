"""`docker compose up --build` for real: db healthy -> migrate exits 0 -> api serves."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.e2e.compose import ComposeProject, parse_docker_time


def _post_info(port: int, desc: str) -> tuple[int, dict[str, object]]:
    body = urllib.parse.urlencode({"desc": desc}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/info", data=body, timeout=10) as response:
        return response.status, json.loads(response.read())


def _docker_run(image: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", command[0], image, *command[1:]],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def stack(compose_project: ComposeProject) -> ComposeProject:
    up = compose_project.compose("up", "--build", "--wait", "--detach", check=False)
    assert up.returncode == 0, up.stderr[-4000:] + compose_project.compose("logs").stdout[-4000:]
    return compose_project


def test_migrate_exits_0_before_the_api_starts(stack: ComposeProject) -> None:
    migrate = stack.inspect("migrate")["State"]
    api = stack.inspect("api")["State"]

    assert migrate["ExitCode"] == 0
    assert parse_docker_time(api["StartedAt"]) >= parse_docker_time(migrate["FinishedAt"])


def test_post_info_answers_the_classic_hoge(stack: ComposeProject) -> None:
    assert _post_info(stack.port, "hoge") == (201, {"id": 1, "desc": "hoge"})


def test_api_user_cannot_change_the_schema(stack: ComposeProject) -> None:
    attempt = stack.compose(
        "exec",
        "-T",
        "-e",
        "MYSQL_PWD=local-api-password",
        "db",
        "mysql",
        "--protocol=tcp",
        "-h127.0.0.1",
        "-uapi",
        "app",
        "-e",
        "CREATE TABLE intruder (id INT)",
        check=False,
    )

    assert attempt.returncode != 0
    assert "denied" in attempt.stderr.lower()


def test_a_second_up_leaves_the_schema_alone(stack: ComposeProject) -> None:
    again = stack.compose("up", "--wait", "--detach", check=False)
    migrate = stack.inspect("migrate")["State"]
    logs = stack.compose("logs", "migrate").stdout

    assert again.returncode == 0, again.stderr[-4000:]
    assert migrate["ExitCode"] == 0
    assert "already at head" in logs
    assert _post_info(stack.port, "again")[1]["id"] == 2  # the first row survived


def test_images_are_lean_and_run_as_a_non_root_uid(stack: ComposeProject) -> None:
    images = {service: stack.image(service) for service in ("migrate", "api")}
    for service, image in images.items():
        size = subprocess.run(
            ["docker", "image", "inspect", "-f", "{{.Size}}", image],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"{service} image: {int(size) / 1e6:.1f} MB")
        assert _docker_run(image, "id", "-u").stdout.strip() == "10001"

    for module in ("fastapi", "gunicorn", "uvicorn"):
        probe = _docker_run(images["migrate"], "python", "-c", f"import {module}")
        assert probe.returncode != 0, f"the migrator image can import {module}"
        assert "ModuleNotFoundError" in probe.stderr


def test_down_removes_containers_and_the_volume(stack: ComposeProject) -> None:
    stack.down()

    assert stack.volumes() == []
    assert stack.compose("ps", "-a", "-q").stdout.strip() == ""
