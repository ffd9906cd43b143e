"""Run the API exactly as production does: gunicorn, the project's gunicorn.conf.py, uvicorn."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.settings import PROJECT_ROOT
from harness.migrator_process import migrator_env
from harness.mysql_server import free_port

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


class ApiProcess:
    def __init__(
        self, database_url: str, log_path: Path, *, app: str | None = None, **settings: object
    ) -> None:
        """`app`: another application factory than gunicorn.conf.py's (a test's own)."""
        self.port = free_port()
        env = migrator_env(database_url, port=self.port, bind_host="127.0.0.1", **settings)
        self.started_at = time.monotonic()
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [GUNICORN, "-c", str(PROJECT_ROOT / "gunicorn.conf.py"), *([app] if app else [])],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log_path = log_path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self, path: str, timeout: float = 5) -> int:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def wait_until(self, path: str, status: int = 200, timeout: float = 60) -> float:
        """Poll until `path` answers `status`; return the seconds since start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                if self.status(path, timeout=2) == status:
                    return time.monotonic() - self.started_at
            except OSError:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"{path} never answered {status}: {self.log_path.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def thread_count(pid: int) -> int:
    """The threads a process runs now, as /proc counts them."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


StartApi = Callable[..., ApiProcess]
