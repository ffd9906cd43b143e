"""`make k8s-e2e`: the Kubernetes paths on a real cluster, the one of kubectl's current context
(the hosted CI's kind cluster, or your own). Without a reachable cluster: one line, exit 1.

1. Build both images as :dev and load them (kind, minikube; elsewhere they must be pullable).
2. Apply the dev overlay; wait for MySQL and the API rollout; POST /info through a port-forward;
   every API pod's init container `migrate` exited 0 and logged its upgrade.
3. The Job variant (the dev overlay with the migration-job component): the Job completes, the
   pods' `await-schema` init container exits 0, POST /info works.
4. A rolling release under load: images :e2e-next carry an extra additive revision; a pod in
   the namespace sends POST /info to the Service in a bounded loop while the Deployment rolls
   over to them; not one request may fail.

    uv run python -m harness.k8s_e2e        (K8S_E2E_KEEP=1 keeps the namespace afterwards)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from core.settings import PROJECT_ROOT
from harness.cluster import (
    ClusterError,
    build_images,
    cluster_problem,
    load_images,
    run,
    with_job_component,
)
from harness.mysql_server import free_port
from harness.scripts import ADD_NOTES_COLUMN

NAMESPACE = "info-service-dev"  # the dev overlay's; tests/test_ci_workflow.py checks they agree
OVERLAYS = PROJECT_ROOT / "deploy" / "k8s" / "overlays"
JOB_OVERLAY = OVERLAYS / ".e2e-dev-job"  # beside dev, so its relative paths hold (git-ignored)
DEPLOYMENT = "deployment/info-service-api"
API_PODS = "app.kubernetes.io/name=info-service-api"
RELEASE_TAG = "e2e-next"
RELEASE_REVISION = ADD_NOTES_COLUMN
LOAD_POD = "e2e-load"
LOAD_SCRIPT = """
import os, time, urllib.parse, urllib.request
sent = failed = 0
deadline = time.monotonic() + 600
while not os.path.exists("/tmp/stop") and time.monotonic() < deadline:
    body = urllib.parse.urlencode({"desc": f"rolling {sent}"}).encode()
    try:
        with urllib.request.urlopen("http://info-service/info", data=body, timeout=10) as answer:
            failed += answer.status != 201
    except Exception as exc:
        failed += 1
        print("failed:", exc, flush=True)
    sent += 1
    time.sleep(0.05)
print(f"sent {sent} failed {failed}", flush=True)
raise SystemExit(1 if failed or not sent else 0)
"""


def kubectl(*args: str, timeout: float = 600) -> str:
    return run("kubectl", "--namespace", NAMESPACE, *args, timeout=timeout)


def step(message: str) -> None:
    print(f"k8s-e2e: {message}", flush=True)


def apply(overlay: Path) -> None:
    kubectl("apply", "--kustomize", str(overlay))
    kubectl("rollout", "status", "statefulset/mysql", "--timeout=300s")
    kubectl("rollout", "status", DEPLOYMENT, "--timeout=300s")


def through_port_forward(path: str, form: dict[str, str] | None = None) -> dict[str, object]:
    """GET (or POST `form` to) `path` on the Service; the JSON answer of a 2xx."""
    port = free_port()
    forward = subprocess.Popen(
        ["kubectl", "--namespace", NAMESPACE, "port-forward", "service/info-service", f"{port}:80"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert forward.stdout is not None
        forward.stdout.readline()  # "Forwarding from 127.0.0.1:PORT -> 8000"
        body = urllib.parse.urlencode(form).encode() if form else None
        url = f"http://127.0.0.1:{port}{path}"
        try:
            with urllib.request.urlopen(url, data=body, timeout=10) as answer:
                found: dict[str, object] = json.loads(answer.read())
                return found
        except OSError as exc:
            raise ClusterError(f"{path} through a port-forward: {exc}") from None
    finally:
        forward.terminate()
        forward.wait(timeout=10)


def check_init_containers(name: str, logged: str) -> None:
    pods = json.loads(kubectl("get", "pods", "--selector", API_PODS, "--output", "json"))["items"]
    running = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    if not running:
        raise ClusterError("no API pod is running")
    for pod in running:
        status = pod["status"]["initContainerStatuses"][0]
        exit_code = status["state"].get("terminated", {}).get("exitCode")
        pod_name = pod["metadata"]["name"]
        if status["name"] != name or exit_code != 0:
            raise ClusterError(f"{pod_name}: init container {status['name']} exit {exit_code}")
        log = kubectl("logs", pod_name, "--container", name)
        if logged not in log:
            raise ClusterError(f"{pod_name}: {name}'s log lacks {logged!r}: {log[-1000:]}")


def secrets_env() -> None:
    target = OVERLAYS / "dev" / "secrets.env"
    if target.exists():
        return
    lines = (OVERLAYS / "dev" / "secrets.env.example").read_text().splitlines()
    target.write_text(
        "".join(
            f"{line.split('=', 1)[0]}={secrets.token_urlsafe(18)}\n" if "=" in line else line + "\n"
            for line in lines
        )
    )


def rolling_release_under_load() -> str:
    overrides = {"spec": {"containers": [{
        "name": LOAD_POD, "image": "info-service-migrate:dev", "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-c", LOAD_SCRIPT],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
    }]}}  # fmt: skip
    kubectl("delete", "pod", LOAD_POD, "--ignore-not-found", "--wait")
    kubectl(
        "run",
        LOAD_POD,
        "--image=info-service-migrate:dev",
        "--restart=Never",
        f"--overrides={json.dumps(overrides)}",
    )
    kubectl("wait", f"pod/{LOAD_POD}", "--for=condition=Ready", "--timeout=120s")
    time.sleep(5)  # traffic before the release starts
    images = [f"{name}=info-service-{name}:{RELEASE_TAG}" for name in ("migrate", "api")]
    kubectl("set", "image", DEPLOYMENT, *images)
    kubectl("rollout", "status", DEPLOYMENT, "--timeout=600s")
    time.sleep(5)  # traffic after it
    kubectl("exec", LOAD_POD, "--", "touch", "/tmp/stop")
    kubectl("wait", f"pod/{LOAD_POD}", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=60s")
    return kubectl("logs", LOAD_POD).strip().splitlines()[-1]


def main() -> int:
    problem = cluster_problem()
    if problem is not None:
        print(f"make k8s-e2e needs kubectl pointed at a reachable cluster: {problem}")
        return 1
    try:
        step("building both images as :dev")
        build_images("dev")
        step(load_images("dev"))
        namespace = ("create", "namespace", NAMESPACE, "--dry-run=client", "--output=yaml")
        run("kubectl", "apply", "--filename", "-", input_text=run("kubectl", *namespace))
        secrets_env()

        step("dev overlay: init container migrates, then the API serves")
        apply(OVERLAYS / "dev")
        step(f"POST /info -> {through_port_forward('/info', {'desc': 'hoge'})}")
        check_init_containers("migrate", "migrate upgrade ok")

        step("the Job variant: the Job migrates, the pods only wait for the schema")
        kubectl("delete", "job", "info-service-migrate", "--ignore-not-found", "--wait")
        apply(with_job_component(OVERLAYS / "dev", JOB_OVERLAY.name))
        kubectl("wait", "job/info-service-migrate", "--for=condition=complete", "--timeout=300s")
        if "migrate upgrade ok" not in kubectl("logs", "job/info-service-migrate"):
            raise ClusterError("the migration Job's log lacks its summary")
        check_init_containers("await-schema", "schema ready")
        step(f"POST /info -> {through_port_forward('/info', {'desc': 'hoge'})}")

        step("back to the dev overlay, then a rolling release with a new revision under load")
        kubectl("delete", "job", "info-service-migrate", "--ignore-not-found", "--wait")
        kubectl("delete", "networkpolicy", "info-service-migrate", "--ignore-not-found")
        apply(OVERLAYS / "dev")
        build_images(RELEASE_TAG, extra_revisions=(RELEASE_REVISION,))
        step(load_images(RELEASE_TAG))
        outcome = rolling_release_under_load()
        step(f"load during the release: {outcome}")
        if not outcome.endswith(" failed 0"):
            raise ClusterError(f"requests failed during the rolling release: {outcome}")
        check_init_containers("migrate", "migrate upgrade ok")
        ready = through_port_forward("/readyz")
        if ready.get("revision") != "0002":
            raise ClusterError(f"after the release /readyz says {ready}")
        step(f"after the release: {ready}")
    except ClusterError as exc:
        print(f"k8s-e2e failed: {exc}")
        return 1
    finally:
        shutil.rmtree(JOB_OVERLAY, ignore_errors=True)
        if os.environ.get("K8S_E2E_KEEP") != "1" and cluster_problem() is None:
            run(
                "kubectl",
                "delete",
                "namespace",
                NAMESPACE,
                "--ignore-not-found",
                "--wait=false",
                check=False,
            )
    step("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
