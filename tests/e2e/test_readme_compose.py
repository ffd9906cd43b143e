"""README.md's Docker Compose block, run as written in a copy of the repository on this
machine's engine: only the project name and the host port differ, so that it cannot collide
with a stack someone is running."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from harness.mysql_server import free_port
from harness.readme import copy_of_the_tree, shell_blocks
from tests.e2e.compose import ComposeProject


def test_the_compose_block_runs_as_written(compose_project: ComposeProject, tmp_path: Path) -> None:
    (block,) = [block for block in shell_blocks() if block.kind == "runs-compose"]
    tree = copy_of_the_tree(tmp_path / "repo")
    port = free_port()
    env = {**os.environ, "COMPOSE_PROJECT_NAME": f"readme{uuid.uuid4().hex[:8]}"}
    env["API_PORT"] = str(port)
    outputs: dict[str, str] = {}
    try:
        for command, _ in block.commands():
            run = subprocess.run(
                ["bash", "-c", command.replace("localhost:8000", f"localhost:{port}")],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert run.returncode == 0, f"{command}: {run.stderr[-3000:]}"
            outputs[command.split()[0] + " " + " ".join(command.split()[1:3])] = run.stdout
    finally:
        subprocess.run(
            ["docker", "compose", "down", "-v"], cwd=tree, env=env, capture_output=True, check=False
        )

    assert '{"id":1,"desc":"hoge"}' in outputs["curl -X POST"]
    assert "Exited (0)" in outputs["docker compose ps"]
    assert "migrate upgrade ok" in outputs["docker compose logs"]
