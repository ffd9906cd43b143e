"""Every shell block in README.md that a newcomer copies is run here, or, where it needs a
cluster or a registry, checked against the repository: a renamed namespace, target, path or tag
fails the build instead of a newcomer."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from harness.mysql_server import free_port
from harness.readme import KINDS, Block, copy_of_the_tree, make_targets, run_commands, shell_blocks

OVERLAYS = PROJECT_ROOT / "deploy" / "k8s" / "overlays"
RESOURCE_KINDS = {
    "deploy": "Deployment",
    "job": "Job",
    "svc": "Service",
    "statefulset": "StatefulSet",
}


def _blocks(kind: str) -> list[Block]:
    found = [block for block in shell_blocks() if block.kind == kind]
    assert found, f"README.md has no {kind} block"
    return found


def test_every_shell_block_says_how_it_is_proven() -> None:
    for block in shell_blocks():
        assert block.kind in KINDS, f"unmarked shell block:\n{block.body}"
        if block.kind.startswith("needs-"):
            assert block.overlay in {path.name for path in OVERLAYS.iterdir()}, block.body


def test_the_first_screen_is_what_ci_runs() -> None:
    (block,) = _blocks("ci")

    assert [command.split()[:2] for command, _ in block.commands()] == [
        ["make", "run"],
        ["make", "test"],
    ]
    assert {"run", "test"} <= make_targets()
    assert re.search(r"^make test$", (PROJECT_ROOT / ".ci" / "run").read_text(), re.M)


@pytest.mark.parametrize("kind", ["needs-cluster", "needs-registry"])
def test_blocks_that_need_a_cluster_match_the_manifests(kind: str) -> None:
    for block in _blocks(kind):
        assert block.overlay is not None
        overlay = yaml.safe_load((OVERLAYS / block.overlay / "kustomization.yaml").read_text())
        images = {image["name"]: image["newTag"] for image in overlay["images"]}
        for command, _ in block.commands():
            _check_command(command, block.overlay, overlay["namespace"], images)


def _check_command(command: str, overlay: str, namespace: str, images: dict[str, str]) -> None:
    for used in re.findall(r"(?:-n|--namespace|create namespace)\s+(\S+)", command):
        assert used == namespace, (
            f"{command!r}: namespace {used}, the {overlay} overlay's is {namespace}"
        )
    for path in re.findall(r"(?:-k|-f|--from-file=[\w-]+=)\s*((?:deploy/|Dockerfile)\S*)", command):
        assert (PROJECT_ROOT / path).exists(), f"{command!r}: no {path}"
    for path in re.findall(r"(?<![\w/])(deploy/[\w.-]+/\S+)", command):
        assert (PROJECT_ROOT / path).exists() or path.endswith("secrets.env"), command
    for target in re.findall(r"\bmake (?:-C \S+ )?([a-z][\w-]*)", command):
        assert target in make_targets(), command
    for name, tag in re.findall(r"\b(info-service-(?:api|migrate)):(\S+)", command):
        assert name in images, command
        assert tag.startswith("$") or tag == images[name], f"{command!r}: tag {tag}"
    # deploy/NAME (a Deployment), not deploy/k8s/... (a path)
    for short, name in re.findall(
        r"(?<![\w/.-])(deploy|job|svc|statefulset)/([\w-]+)(?![\w/])", command
    ):
        assert _declared(RESOURCE_KINDS[short], name), command
    for container in re.findall(r"\s-c\s+(\S+)", command):
        assert _declared_container(container), command


def _declared(kind: str, name: str) -> bool:
    for manifest in (PROJECT_ROOT / "deploy").rglob("*.yaml"):
        for doc in yaml.safe_load_all(manifest.read_text()):
            if doc and doc.get("kind") == kind and doc["metadata"].get("name") == name:
                return True
    return False


def _declared_container(name: str) -> bool:
    texts = [path.read_text() for path in (PROJECT_ROOT / "deploy" / "k8s").rglob("*.yaml")]
    return any(re.search(rf"(name|value): {re.escape(name)}$", text, re.M) for text in texts)


@pytest.fixture
def served_copy(tmp_path: Path) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """A copy of the tree serving with `make run`, as on a fresh clone (its own .venv)."""
    tree = copy_of_the_tree(tmp_path / "repo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "UV_"))}
    # The uv that runs this suite (on PATH, or where the Makefile installed it).
    uv_dir = Path(shutil.which("uv") or PROJECT_ROOT / ".tools" / "bin" / "uv").parent
    env |= {"PORT": str(port), "PATH": f"{uv_dir}:{env['PATH']}"}
    log = (tmp_path / "make-run.log").open("wb")
    server = subprocess.Popen(
        ["make", "run"],
        cwd=tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(port, server, tmp_path / "make-run.log")
        yield tree, port, env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _wait_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"make run never served: {log.read_text()[-3000:]}")


def test_the_local_blocks_run_as_written(served_copy: tuple[Path, int, dict[str, str]]) -> None:
    tree, port, env = served_copy
    for block in _blocks("runs"):
        for command, promised, run in run_commands(block, tree, env, port):
            assert run.returncode == 0, f"{command}: {run.stderr[-2000:]}"
            if promised is not None:
                assert promised in run.stdout, f"{command}: printed {run.stdout!r}"

    dev_only = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-c", "import pytest"],
        capture_output=True,
        check=False,
    )
    assert dev_only.returncode != 0, "make run installed a dev-only package (pytest)"
