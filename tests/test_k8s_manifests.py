"""The Kubernetes manifests, checked offline: rendered, validated strictly, scanned, wired."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from api.web import create_app
from core.settings import PROJECT_ROOT, Settings
from harness.cluster import with_job_component
from migrator.config.settings import RunnerSettings

KUBERNETES_VERSION = "1.34.0"
CHECKOV = ("checkov==3.3.30",)
VARIANTS = ("dev", "production", "dev+migration-job", "production+argocd", "production+flux")
JOB_VARIANTS = ("dev+migration-job", "production+argocd", "production+flux")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                  "CustomResourceDefinition", "StorageClass", "PriorityClass"}  # fmt: skip
PRE_STOP_SECONDS = 5

Doc = dict[str, Any]


def _render(directory: Path) -> list[Doc]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing (it renders the kustomizations)", pytrace=False)
    out = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Doc]]:
    tree = tmp_path_factory.mktemp("k8s") / "deploy"
    shutil.copytree(PROJECT_ROOT / "deploy", tree)
    overlays = tree / "k8s" / "overlays"
    (overlays / "dev" / "secrets.env").write_text(
        (overlays / "dev" / "secrets.env.example").read_text()
    )
    return {
        "dev": _render(overlays / "dev"),
        "production": _render(overlays / "production"),
        "dev+migration-job": _render(with_job_component(overlays / "dev", "dev-job")),
        "production+argocd": _render(
            with_job_component(overlays / "production", "prod-argocd", "migration-job-argocd")
        ),
        "production+flux": _render(
            with_job_component(overlays / "production", "prod-flux", "migration-job-flux")
        ),
    }


def _pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def _containers(spec: Doc) -> list[Doc]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def _one(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(name)]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize("variant", VARIANTS)
def test_renders_and_validates_strictly(rendered: dict[str, list[Doc]], variant: str) -> None:
    errors = []
    for doc in rendered[variant]:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")

    assert rendered[variant]
    assert errors == []


def test_checkov_finds_no_failed_check(rendered: dict[str, list[Doc]], tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is missing (it runs checkov in its own environment)", pytrace=False)
    for variant, docs in rendered.items():
        (tmp_path / f"{variant}.yaml").write_text(yaml.safe_dump_all(docs))

    scan = subprocess.run(
        [uv, "tool", "run", "--from", *CHECKOV, "checkov", "--directory", str(tmp_path),
         "--framework", "kubernetes", "--skip-download", "--output", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    report = json.loads(scan.stdout)
    results = report["results"]
    failed = [f"{r['check_id']} {r['resource']}" for r in results["failed_checks"]]

    assert failed == []
    assert report["summary"]["passed"] > 100
    for skipped in results["skipped_checks"]:
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_container_is_restricted(rendered: dict[str, list[Doc]], variant: str) -> None:
    for where, spec in _pod_specs(rendered[variant]):
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        for container in _containers(spec):
            context = container["securityContext"]
            name = f"{where}/{container['name']}"
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["runAsNonRoot"] is True, name
            assert context["runAsUser"] >= 10000, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["seccompProfile"]["type"] == "RuntimeDefault", name
            assert container["resources"]["limits"], name
            assert container["resources"]["requests"], name


@pytest.mark.parametrize("variant", VARIANTS)
def test_passwords_come_from_mounted_secrets(rendered: dict[str, list[Doc]], variant: str) -> None:
    for where, spec in _pod_specs(rendered[variant]):
        secret_volumes = {v["name"] for v in spec.get("volumes", []) if "secret" in v}
        for container in _containers(spec):
            env = {e["name"]: e for e in container.get("env", [])}
            assert not any("PASSWORD" in n and "FILE" not in n for n in env), container["name"]
            password_files = [e["value"] for n, e in env.items() if n.endswith("PASSWORD_FILE")]
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            for path in password_files:
                directory = str(Path(path).parent)
                assert mounts.get(directory) in secret_volumes, f"{where}: {path} not a secret"


@pytest.mark.parametrize("variant", VARIANTS)
def test_api_and_migrator_share_one_tag(rendered: dict[str, list[Doc]], variant: str) -> None:
    images = {
        container["image"]
        for _, spec in _pod_specs(rendered[variant])
        for container in _containers(spec)
        if "info-service" in container["image"]
    }
    tags = {image.rsplit(":", 1)[1] for image in images}

    assert len(images) == 2
    assert len(tags) == 1


def test_init_container_migrates_unless_the_job_does(rendered: dict[str, list[Doc]]) -> None:
    def init_args(variant: str) -> list[str]:
        spec = _one(rendered[variant], "Deployment", "info-service-api")["spec"]["template"]
        args: list[str] = spec["spec"]["initContainers"][0]["args"]
        return args

    job = _one(rendered["dev+migration-job"], "Job", "info-service-migrate")

    assert init_args("dev") == ["upgrade"]
    assert init_args("production") == ["upgrade"]
    assert init_args("dev+migration-job") == ["await-schema"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["upgrade"]
    assert {"backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"} <= set(job["spec"])
    assert not any(d["kind"] == "Job" for d in rendered["dev"] + rendered["production"])


@pytest.mark.parametrize("variant", ["dev", "dev+migration-job"])
def test_database_policy_admits_every_pod_that_connects(
    rendered: dict[str, list[Doc]], variant: str
) -> None:
    docs = rendered[variant]
    policy = _one(docs, "NetworkPolicy", "mysql")
    admitted = policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    clients = [d for d in docs if d["kind"] in ("Deployment", "Job")]

    assert clients
    for client in clients:
        labels = client["spec"]["template"]["metadata"]["labels"]
        assert admitted.items() <= labels.items(), client["metadata"]["name"]


def test_await_schema_runs_as_the_api_user(rendered: dict[str, list[Doc]]) -> None:
    deployment = _one(rendered["dev+migration-job"], "Deployment", "info-service-api")
    init = deployment["spec"]["template"]["spec"]["initContainers"][0]

    assert {e["name"]: e["value"] for e in init["env"]}["DB_USER"] == "api"


def test_probe_paths_exist_in_the_api(rendered: dict[str, list[Doc]]) -> None:
    paths = set(create_app(Settings()).openapi()["paths"])
    api = _one(rendered["production"], "Deployment", "info-service-api")["spec"]["template"]
    container = api["spec"]["containers"][0]

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert {"/healthz", "/readyz"} <= paths


def test_grace_period_outlasts_prestop_and_gunicorn(rendered: dict[str, list[Doc]]) -> None:
    deployment = _one(rendered["production"], "Deployment", "info-service-api")
    spec = deployment["spec"]["template"]["spec"]
    config = _one(rendered["production"], "ConfigMap", "info-service-config")["data"]
    pre_stop = spec["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]

    assert pre_stop == ["sleep", str(PRE_STOP_SECONDS)]
    assert spec["terminationGracePeriodSeconds"] > PRE_STOP_SECONDS + int(
        config["GRACEFUL_TIMEOUT"]
    )
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_production_uses_an_operator_secret_and_scales(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["production"]
    deployment = _one(docs, "Deployment", "info-service-api")

    assert not any(d["kind"] == "Secret" for d in docs)
    assert "replicas" not in deployment["spec"]
    assert _one(docs, "HorizontalPodAutoscaler", "info-service-api")["spec"]["minReplicas"] >= 2
    assert _one(docs, "ConfigMap", "info-service-config")["data"]["DB_HOST"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_namespaced_objects(rendered: dict[str, list[Doc]], variant: str) -> None:
    kinds = {doc["kind"] for doc in rendered[variant]}
    namespaces = {doc["metadata"].get("namespace") for doc in rendered[variant]}

    assert not kinds & CLUSTER_SCOPED
    assert len(namespaces) == 1
    assert None not in namespaces


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_migrator_container_leaves_a_termination_message(
    rendered: dict[str, list[Doc]], variant: str
) -> None:
    config = _one(rendered[variant], "ConfigMap", "info-service-config")["data"]
    migrators = [
        container
        for _, spec in _pod_specs(rendered[variant])
        for container in _containers(spec)
        if container["image"].split(":")[0].endswith("info-service-migrate")
    ]

    assert len(migrators) == (2 if variant in JOB_VARIANTS else 1)
    assert config["MIGRATOR_TERMINATION_MESSAGE_PATH"] == "/dev/termination-log"
    for container in migrators:
        assert container["terminationMessagePolicy"] == "FallbackToLogsOnError", container["name"]
        assert container.get("terminationMessagePath", "/dev/termination-log") == (
            "/dev/termination-log"
        )
        assert any(ref["configMapRef"]["name"].startswith("info-service-config")
                   for ref in container["envFrom"])  # fmt: skip


def test_probe_timeouts_fit_the_apis_own_bounds(rendered: dict[str, list[Doc]]) -> None:
    api = _one(rendered["production"], "Deployment", "info-service-api")["spec"]["template"]
    container = api["spec"]["containers"][0]
    config = _one(rendered["production"], "ConfigMap", "info-service-config")["data"]

    assert float(config["READINESS_TIMEOUT"]) < container["readinessProbe"]["timeoutSeconds"]
    assert float(config["READINESS_TIMEOUT"]) < container["startupProbe"]["timeoutSeconds"]
    assert container["livenessProbe"]["timeoutSeconds"] >= 1  # /healthz never waits on the database
    assert api["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"


def test_gitops_components_annotate_the_job(rendered: dict[str, list[Doc]]) -> None:
    argocd = _one(rendered["production+argocd"], "Job", "info-service-migrate")
    flux = _one(rendered["production+flux"], "Job", "info-service-migrate")

    assert argocd["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert (
        argocd["metadata"]["annotations"]["argocd.argoproj.io/hook-delete-policy"]
        == "BeforeHookCreation"
    )
    assert flux["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/force"] == "enabled"
    for variant in JOB_VARIANTS:
        job = _one(rendered[variant], "Job", "info-service-migrate")
        assert job["metadata"]["namespace"], variant
        assert ":" in job["spec"]["template"]["spec"]["containers"][0]["image"], variant


def _migrator_setting(config: Doc, container: Doc, name: str) -> float:
    """The value a migrator container runs with: its env, its ConfigMap, else the default."""
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    value = env.get(name, config["data"].get(name))
    if value is None:
        return float(RunnerSettings.model_fields[name.lower()].default)
    return float(value)


@pytest.mark.parametrize("variant", JOB_VARIANTS)
def test_the_jobs_deadline_outlasts_the_migrators_own_budgets(
    rendered: dict[str, list[Doc]], variant: str
) -> None:
    docs = rendered[variant]
    job = _one(docs, "Job", "info-service-migrate")
    config = _one(docs, "ConfigMap", "info-service-config")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    expected = float(job["metadata"]["annotations"]["info-service/expected-migration-seconds"])

    def setting(name: str) -> float:
        return _migrator_setting(config, container, name)

    budgets = (
        setting("MIGRATOR_WAIT_TIMEOUT")
        + setting("MIGRATOR_LOCK_TIMEOUT")
        + setting("MIGRATOR_DDL_RETRY_BUDGET")
        + setting("MIGRATOR_SERVER_SILENCE_TIMEOUT")
    )
    running = expected * (1 + setting("MIGRATOR_COMMIT_LOCK_RETRIES"))

    assert job["spec"]["activeDeadlineSeconds"] >= budgets + running


@pytest.mark.parametrize("variant", JOB_VARIANTS)
def test_the_job_fails_at_once_on_what_a_retry_cannot_heal(
    rendered: dict[str, list[Doc]], variant: str
) -> None:
    job = _one(rendered[variant], "Job", "info-service-migrate")
    (rule,) = job["spec"]["podFailurePolicy"]["rules"]

    assert rule["action"] == "FailJob"
    assert {1, 2, 4, 10, 11, 12, 15} <= set(rule["onExitCodes"]["values"])
    assert not {3, 5, 8, 14} & set(rule["onExitCodes"]["values"])
