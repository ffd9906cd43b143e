"""The hosted workflow calls only what exists here: Makefile targets, the images the manifests
and Compose use, the namespace of the dev overlay, pinned actions, least privilege."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from core.settings import PROJECT_ROOT
from harness import k8s_e2e
from harness.cluster import IMAGES
from harness.readme import make_targets

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _steps() -> list[dict[str, Any]]:
    return [step for job in _workflow()["jobs"].values() for step in job["steps"]]


def _commands(run: str) -> list[list[str]]:
    """Each command of a step's `run` script, as words (one command per line)."""
    return [shlex.split(line) for line in run.splitlines() if line.strip()]


def test_every_make_target_the_workflow_calls_exists() -> None:
    called = {
        words[1]
        for step in _steps()
        for words in _commands(step.get("run", ""))
        if words[0] == "make" and len(words) > 1
    }

    assert called == {"lint", "test", "e2e", "k8s-e2e", "migrate"}
    assert called <= make_targets()


def test_actions_are_pinned_by_commit_sha() -> None:
    for step in _steps():
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_least_privilege_and_one_run_per_ref() -> None:
    workflow = _workflow()

    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_the_test_matrix_runs_the_real_mysql_84_image_through_the_harness() -> None:
    test = _workflow()["jobs"]["test"]

    assert "mysql:8.4" in test["strategy"]["matrix"]["image"]
    assert test["env"]["TEST_DATABASE_SERVER"] == "docker"
    assert test["env"]["TEST_DATABASE_IMAGE"] == "${{ matrix.image }}"
    image = subprocess.run(
        [sys.executable, "-c", "from harness.docker_server import IMAGE; print(IMAGE)"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TEST_DATABASE_IMAGE": "mariadb:10.11"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert image.stdout.strip() == "mariadb:10.11"  # the harness reads the variable


def test_k8s_e2e_uses_the_manifests_names_images_and_paths() -> None:
    dev = yaml.safe_load((k8s_e2e.OVERLAYS / "dev" / "kustomization.yaml").read_text())
    deployment = yaml.safe_load(
        (PROJECT_ROOT / "deploy" / "k8s" / "base" / "deployment.yaml").read_text()
    )
    pod = deployment["spec"]["template"]["spec"]
    service = yaml.safe_load(
        (PROJECT_ROOT / "deploy" / "k8s" / "base" / "service.yaml").read_text()
    )
    kind_step = next(s for s in _steps() if "kind-action" in s.get("uses", ""))

    assert dev["namespace"] == k8s_e2e.NAMESPACE
    assert {image["name"]: image["newTag"] for image in dev["images"]} == dict.fromkeys(
        IMAGES, "dev"
    )
    assert all((PROJECT_ROOT / dockerfile).is_file() for dockerfile in IMAGES.values())
    assert service["metadata"]["name"] == "info-service"
    assert [c["name"] for c in pod["initContainers"]] == ["migrate"]
    assert [c["name"] for c in pod["containers"]] == ["api"]
    assert k8s_e2e.RELEASE_REVISION.is_file()
    assert re.fullmatch(
        r"kindest/node:v[\d.]+@sha256:[0-9a-f]{64}", kind_step["with"]["node_image"]
    )


def test_k8s_e2e_without_a_cluster_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "no-such-kubeconfig")}

    result = subprocess.run(
        [sys.executable, "-m", "harness.k8s_e2e"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.startswith("make k8s-e2e needs kubectl pointed at a reachable cluster: ")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_pull_requests_get_lint_annotations_on_their_new_revisions() -> None:
    lint = _workflow()["jobs"]["lint"]
    step = next(s for s in lint["steps"] if "--format github" in s.get("run", ""))
    checkout = next(s for s in lint["steps"] if "actions/checkout" in s.get("uses", ""))

    assert step["if"] == "github.event_name == 'pull_request'"
    assert step["env"] == {"BASE_REF": "${{ github.base_ref }}"}  # never inlined in the script
    assert 'make migrate ARGS="lint --from $base_head --format github"' in step["run"]
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False
