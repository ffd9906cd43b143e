"""kubectl, docker and kind for `make k8s-e2e`: run, check the cluster, build and load images."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from core.settings import PROJECT_ROOT

IMAGES = {"info-service-api": "Dockerfile.api", "info-service-migrate": "Dockerfile.migrate"}
RUNNER_IMAGE, RUNNER_DOCKERFILE = "safe-migrator", "migrator/Dockerfile"


def build_context() -> list[str]:
    """What the images' build context holds: .dockerignore's allow-list, and the file itself."""
    lines = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    return [".dockerignore", *(line[1:].rstrip("/") for line in lines if line.startswith("!"))]


class ClusterError(RuntimeError):
    """A step failed; the message says which and what it printed."""


def run(
    *command: str, timeout: float = 600, check: bool = True, input_text: str | None = None
) -> str:
    try:
        done = subprocess.run(
            command,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ClusterError(f"{command[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{' '.join(command)}: no answer within {timeout:g} s") from None
    if check and done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        raise ClusterError(f"{' '.join(command)} failed: {output[-2000:]}")
    return done.stdout


def with_job_component(overlay: Path, name: str, *extra: str) -> Path:
    """A copy of `overlay`, beside it as `name`, with the migration-job component (and `extra`
    components) added in the overlay itself, as the README says: a wrapping overlay would not
    reach the namespace, image tag and generated names."""
    copy = overlay.parent / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(overlay, copy)
    components = "".join(f"  - ../../components/{c}\n" for c in ("migration-job", *extra))
    with (copy / "kustomization.yaml").open("a") as kustomization:
        kustomization.write(f"\ncomponents:\n{components}")
    return copy


def cluster_problem() -> str | None:
    """None when kubectl reaches a cluster; otherwise why not, in one line."""
    if shutil.which("kubectl") is None:
        return "kubectl is not installed"
    probe = subprocess.run(
        ["kubectl", "version", "--request-timeout=5s", "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0 or '"serverVersion"' not in probe.stdout:
        lines = probe.stderr.strip().splitlines()
        return lines[-1] if lines else "kubectl reached no API server"
    return None


def build_images(tag: str, extra_revisions: tuple[Path, ...] = (), python: str = "3.13") -> None:
    """Both images under one tag; extra revisions are added to alembic/versions in the build."""
    context = PROJECT_ROOT
    if extra_revisions:
        context = Path(tempfile.mkdtemp(prefix="info-service-build-"))
        for name in build_context():
            source = PROJECT_ROOT / name
            if source.is_dir():
                shutil.copytree(
                    source, context / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy(source, context / name)
        for revision in extra_revisions:
            shutil.copy(revision, context / "alembic" / "versions" / revision.name)
    # The migrate image is built on the generic runner image (Dockerfile.migrate: FROM it).
    runner = f"{RUNNER_IMAGE}:{tag}"
    builds = [(RUNNER_IMAGE, RUNNER_DOCKERFILE), *IMAGES.items()]
    for image, dockerfile in builds:
        run(
            "docker",
            "build",
            "--quiet",
            "--build-arg",
            f"PYTHON_VERSION={python}",
            "--build-arg",
            f"MIGRATOR_IMAGE={runner}",
            "--file",
            str(PROJECT_ROOT / dockerfile),
            "--tag",
            f"{image}:{tag}",
            str(context),
        )


def load_images(tag: str) -> str:
    """Make the images visible to the cluster of kubectl's current context; say how."""
    context = run("kubectl", "config", "current-context").strip()
    names = [f"{image}:{tag}" for image in IMAGES]
    if context.startswith("kind-"):
        run("kind", "load", "docker-image", "--name", context.removeprefix("kind-"), *names)
        return f"loaded into kind cluster {context.removeprefix('kind-')}"
    if context == "minikube":
        for name in names:
            run("minikube", "image", "load", name)
        return "loaded into minikube"
    return f"context {context}: the cluster must be able to pull {', '.join(names)}"
