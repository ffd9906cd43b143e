"""Drive one throwaway Compose project: its own name, its own volume, its own port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from datetime import datetime
from typing import Any

from core.settings import PROJECT_ROOT
from harness.mysql_server import free_port

PROJECT_LABEL = "com.docker.compose.project"


def python_version() -> str:
    """As `docker compose` decides it: the environment, then .env, then the Dockerfiles' default."""
    if "PYTHON_VERSION" in os.environ:
        return os.environ["PYTHON_VERSION"]
    dotenv = PROJECT_ROOT / ".env"
    if dotenv.is_file():
        for line in dotenv.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "PYTHON_VERSION" and value.strip():
                return value.strip().strip("\"'")
    return "3.13"


def engine_problem() -> str | None:
    """None when a Docker engine with Compose v2 answers; otherwise what is missing."""
    if shutil.which("docker") is None:
        return "no docker CLI on PATH (run ../shared/offline-docker/start-engine)"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return "no Docker engine answers (run ../shared/offline-docker/start-engine)"
    compose = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if compose.returncode != 0:
        return "the docker compose v2 plugin is missing"
    return None


class ComposeProject:
    def __init__(self, python_version: str) -> None:
        self.name = f"e2e{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.env = {"PYTHON_VERSION": python_version, "API_PORT": str(self.port)}

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "compose", "-p", self.name, *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=check,
            timeout=900,
        )

    def container_id(self, service: str) -> str:
        ids = self.compose("ps", "-a", "-q", service).stdout.split()
        assert len(ids) == 1, f"expected one {service} container, got {ids}"
        return ids[0]

    def inspect(self, service: str) -> dict[str, Any]:
        out = subprocess.run(
            ["docker", "inspect", self.container_id(service)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result: dict[str, Any] = json.loads(out)[0]
        return result

    def image(self, service: str) -> str:
        return str(self.inspect(service)["Image"])

    def volumes(self) -> list[str]:
        out = subprocess.run(
            [
                "docker",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.name}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return out.split()

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", "--rmi", "local", check=False)


def parse_docker_time(value: str) -> datetime:
    # Docker prints nanoseconds; Python parses microseconds.
    head, _, rest = value.partition(".")
    fraction = "".join(ch for ch in rest if ch.isdigit())[:6]
    return datetime.fromisoformat(f"{head}.{fraction or '0'}+00:00")
