"""README.md's shell blocks, each with the marker that says how it is proven.

    <!-- readme-block: KIND [OVERLAY] -->
    ```sh

KIND: `ci` (.ci/run runs it), `runs` (tests/test_readme.py runs it after `make run`; a trailing
`# comment` is output the command must print), `runs-compose` (tests/e2e/test_readme_compose.py
runs it on the Docker engine), `needs-cluster` or `needs-registry` (checked against the
repository: names, namespaces, targets, paths and tags), `runner` (tests/test_readme_runner.py
checks its variables against the runner's settings).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.settings import PROJECT_ROOT

KINDS = ("ci", "runs", "runs-compose", "needs-cluster", "needs-registry", "runner")
_BLOCK = re.compile(
    r"(?:<!-- readme-block: (?P<marker>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S
)


@dataclass(frozen=True)
class Block:
    kind: str | None
    overlay: str | None
    body: str

    def commands(self) -> list[tuple[str, str | None]]:
        """(command, the output its trailing comment promises), continuation lines joined."""
        joined = self.body.replace("\\\n", " ")
        found = []
        for line in joined.splitlines():
            command, _, comment = line.partition("  #")
            if command.strip() and not command.lstrip().startswith("#"):
                found.append((command.strip(), comment.strip() or None))
        return found


def shell_blocks(readme: Path = PROJECT_ROOT / "README.md") -> list[Block]:
    blocks = []
    for match in _BLOCK.finditer(readme.read_text(encoding="utf-8")):
        if match["lang"] not in ("sh", "bash"):
            continue
        kind, _, overlay = (match["marker"] or "").partition(" ")
        blocks.append(Block(kind or None, overlay or None, match["body"]))
    return blocks


def run_commands(
    block: Block, cwd: Path, env: dict[str, str], port: int
) -> list[tuple[str, str | None, subprocess.CompletedProcess[str]]]:
    """Run each command of `block` as written, in bash, in `cwd`; `localhost:8000` becomes
    `localhost:PORT` so that nothing collides with a server already on 8000. Stops at the
    first command that fails (the last result then has its non-zero code)."""
    results = []
    for command, promised in block.commands():
        done = subprocess.run(
            ["bash", "-c", command.replace("localhost:8000", f"localhost:{port}")],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        results.append((command, promised, done))
        if done.returncode != 0:
            break
    return results


def make_targets() -> set[str]:
    """The Makefile's targets, as a README block or the workflow may name them."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.MULTILINE))


def copy_of_the_tree(target: Path) -> Path:
    """The files git knows (tracked, or untracked and not ignored), as a fresh clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (raw.decode() for raw in listed)):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
