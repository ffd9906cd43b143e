"""Find a tool from Debian's packages, installing it first when we are root with apt."""

from __future__ import annotations

import os
import shutil
import subprocess

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")


class MissingToolError(RuntimeError):
    """A tool the tests need is missing and cannot be installed here; the message says which."""


def find_binary(*names: str) -> str | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    return None


def ensure_binary(package: str, *names: str) -> str:
    found = find_binary(*names)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            check=True,
            env=env,
        )
        found = find_binary(*names)
        if found:
            return found
    raise MissingToolError(f"{names[0]} is missing: install Debian's {package} (as root: apt-get)")
