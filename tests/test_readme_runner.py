"""README's "Use the migrator in your own project": every variable its blocks set is one of the
runner's settings, every path exists, the scripts go where the image looks for them, and the
two-line Dockerfile passes hadolint. (tests/e2e/test_runner_image.py runs the mounted image.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from core.settings import PROJECT_ROOT
from harness.readme import shell_blocks
from migrator.config.settings import RunnerSettings

SECTION = "## Use the migrator in your own project"
SETTINGS = {name.upper() for name in RunnerSettings.model_fields}
# Read by the runner as such: the secret-file forms and the parts of the database.
SETTINGS |= {"DB_PASSWORD_FILE", "DATABASE_URL_FILE"}


def _section() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(SECTION, 1)[1].split("\n## ", 1)[0]


def _fenced(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section(), re.S)


def _image_script_location() -> str:
    dockerfile = (PROJECT_ROOT / "migrator" / "Dockerfile").read_text()
    match = re.search(r"ALEMBIC_SCRIPT_LOCATION=(\S+)", dockerfile)
    assert match, "migrator/Dockerfile sets no ALEMBIC_SCRIPT_LOCATION"
    return match[1]


def _runner_version() -> str:
    project = (PROJECT_ROOT / "migrator" / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', project, re.M)
    assert match
    return match[1]


def test_the_shell_blocks_set_only_the_runners_settings() -> None:
    blocks = [block for block in shell_blocks() if block.kind == "runner"]
    assert len(blocks) == 3
    for block in blocks:
        for command, _ in block.commands():
            assert set(re.findall(r"\b([A-Z][A-Z_]+)=", command)) <= SETTINGS, command
            for path in re.findall(r"(?:-f|install)\s+\.?/?((?:migrator)[\w/.-]*)", command):
                assert (PROJECT_ROOT / path.split("[")[0]).exists(), command


def test_the_compose_and_kubernetes_snippets_match_the_image() -> None:
    compose, pod = (yaml.safe_load(text) for text in _fenced("yaml"))
    migrate: dict[str, Any] = compose["services"]["migrate"]
    (init,) = pod["initContainers"]
    mounted = {volume.split(":")[1] for volume in migrate["volumes"]}

    assert set(migrate["environment"]) <= SETTINGS
    assert {item["name"] for item in init["env"]} <= SETTINGS
    assert mounted == {_image_script_location()}
    assert init["volumeMounts"][0]["mountPath"] == _image_script_location()
    assert migrate["image"] == init["image"] == f"safe-migrator:{_runner_version()}"
    assert compose["services"]["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_the_two_line_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    (dockerfile,) = _fenced("dockerfile")
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)

    result = subprocess.run(["hadolint", str(path)], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout
    assert f"/{_image_script_location().strip('/')}/" in dockerfile
