"""The migrator image carries no web stack: no migrator or core module, nor alembic/env.py, may
import one. `make lint` holds the same rule as import-linter contracts (pyproject.toml); this
test proves it at run time, with the web packages made unimportable."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys

from core.settings import PROJECT_ROOT

WEB_STACK = ("fastapi", "starlette", "gunicorn", "uvicorn", "uvicorn_worker")

_BLOCK_AND_IMPORT = """
import importlib, importlib.abc, pkgutil, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"web stack imported: {{name}}")
        return None

sys.meta_path.insert(0, Blocked())
for name in {modules!r}:
    importlib.import_module(name)
print("imported", len({modules!r}), "modules")
"""


def _modules(package: str) -> list[str]:
    # __main__ would run the CLI; cli, which it calls, is imported like every other module.
    path = importlib.import_module(package).__path__
    found = pkgutil.walk_packages(path, prefix=f"{package}.")
    return [package] + [info.name for info in found if not info.name.endswith(".__main__")]


def _env_py_imports() -> list[str]:
    tree = ast.parse((PROJECT_ROOT / "alembic" / "env.py").read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def _import_without_web_stack(modules: list[str]) -> subprocess.CompletedProcess[str]:
    code = _BLOCK_AND_IMPORT.format(blocked=WEB_STACK, modules=modules)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrator_core_and_env_py_import_without_the_web_stack() -> None:
    modules = _modules("core") + _modules("migrator") + _env_py_imports()

    result = _import_without_web_stack(modules)

    assert result.returncode == 0, result.stderr[-2000:]
    assert f"imported {len(modules)} modules" in result.stdout


def test_the_block_catches_a_web_import() -> None:
    result = _import_without_web_stack(["api.web"])

    assert result.returncode != 0
    assert "web stack imported: fastapi" in result.stderr


def test_env_py_imports_no_api_module() -> None:
    assert not [name for name in _env_py_imports() if name.split(".")[0] == "api"]
