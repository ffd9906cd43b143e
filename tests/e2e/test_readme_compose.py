"""README.md's Docker Compose block, run as written in a copy of the repository on this
machine's engine: only the project name and the host port differ, so that it cannot collide
with a stack someone is running."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from harness.mysql_server import free_port
from harness.readme import copy_of_the_tree, run_commands, shell_blocks
from tests.e2e.compose import ComposeProject


def test_the_compose_block_runs_as_written(compose_project: ComposeProject, tmp_path: Path) -> None:
    (block,) = [block for block in shell_blocks() if block.kind == "runs-compose"]
    tree = copy_of_the_tree(tmp_path / "repo")
    port = free_port()
    env = {**os.environ, "COMPOSE_PROJECT_NAME": f"readme{uuid.uuid4().hex[:8]}"}
    env["API_PORT"] = str(port)
    try:
        results = run_commands(block, tree, env, port)
    finally:
        subprocess.run(
            ["docker", "compose", "down", "-v"], cwd=tree, env=env, capture_output=True, check=False
        )
    for command, _, run in results:
        assert run.returncode == 0, f"{command}: {run.stderr[-3000:]}"
    outputs = {" ".join(command.split()[:3]): run.stdout for command, _, run in results}

    assert len(results) == len(block.commands())
    assert '{"id":1,"desc":"hoge"}' in outputs["curl -X POST"]
    assert "Exited (0)" in outputs["docker compose ps"]
    assert "migrate upgrade ok" in outputs["docker compose logs"]
