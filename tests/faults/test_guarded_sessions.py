"""The runner's guarantees on sessions it did not open itself, or cannot open twice: env.py
logged in as another user, a watch that cannot log in, a TLS URL, a lock session dropped while
env.py's works. Each on a server of the test's own (users, limits and TLS are the server's)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from harness.migrator_process import run_migrator, start_migrator
from harness.mysql_server import ThrowawayServer
from harness.servers import started_server
from migrator.errors import Unprotected
from migrator.exit_codes import OK, SIGNAL_BASE

STOCK_ENV = Path(__file__).parents[1] / "sample_projects" / "stock" / "migrations" / "env.py"

SLEEP = "DO SLEEP(20)"
PROJECT_DATABASE = "proj"  # own_server's `app` holds this repository's schema
REVISION = '''"""{doc}"""
from alembic import op

revision = "{revision}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''


def _project(tmp_path: Path, *revisions: tuple[str, str | None, str], env: str = "") -> Path:
    """The stock `alembic init` env.py (or `env`, its variant) and the given revisions, each
    (id, down revision, the body of upgrade())."""
    project = tmp_path / "project"
    (project / "versions").mkdir(parents=True)
    shutil.copy(STOCK_ENV.parent / "script.py.mako", project)
    (project / "env.py").write_text(env or STOCK_ENV.read_text(), encoding="utf-8")
    for revision, down, body in revisions:
        source = REVISION.format(doc=revision, revision=revision, down=down, body=body)
        (project / "versions" / f"{revision}.py").write_text(source, encoding="utf-8")
    return project


def _newest(url: str, project: Path, **settings: Any) -> dict[str, object]:
    result = run_migrator(url, "history", "--json", alembic_script_location=project, **settings)
    assert result.returncode == OK, result.stderr
    events: list[dict[str, object]] = json.loads(result.stdout)
    return events[0]


def _user(server: ThrowawayServer, name: str, *, limit: str = "") -> str:
    """A user with every right on the empty database `proj` and none beyond it (no SUPER: it
    may only cancel its own sessions), as DATABASE_URL names it."""
    password = f"{name}-pw"
    server.admin_sql(
        f"CREATE DATABASE IF NOT EXISTS `{PROJECT_DATABASE}`",
        f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}' {limit}",
        f"GRANT ALL PRIVILEGES ON `{PROJECT_DATABASE}`.* TO '{name}'@'%'",
    )
    return server.url(PROJECT_DATABASE, user=name, password=password)


def test_sigterm_cancels_a_statement_env_py_runs_as_another_user(
    own_server: ThrowawayServer, tmp_path: Path
) -> None:
    # The runner logs in as one user, env.py as another (its own variable): the cancel is sent
    # as the user whose session runs the statement, who may always cancel it.
    runner_url = _user(own_server, "runner")
    owner_url = _user(own_server, "owner")
    env = STOCK_ENV.read_text().replace(
        'config.get_section(config.config_ini_section, {}),\n        prefix="sqlalchemy.",',
        '{"sqlalchemy.url": __import__("os").environ["OWNER_URL"]},\n        prefix="sqlalchemy.",',
    )
    assert "OWNER_URL" in env
    project = _project(tmp_path, ("g1", None, f'    op.execute("{SLEEP}")'), env=env)
    migrator = start_migrator(
        runner_url, "upgrade", alembic_script_location=project, owner_url=owner_url
    )
    own_server.wait_until_running(SLEEP, migrator)

    sent = time.monotonic()
    migrator.send_signal(signal.SIGTERM)
    _, stderr = migrator.communicate(timeout=30)
    exited_after = time.monotonic() - sent
    still_running = own_server.running(SLEEP)

    assert migrator.returncode == SIGNAL_BASE + signal.SIGTERM, stderr
    assert exited_after < 5
    assert still_running == 0, "the statement ran on after the runner exited"
    assert "confirmed ended" in stderr
    assert _newest(runner_url, project, owner_url=owner_url)["outcome"] == "interrupted"


def test_a_watch_that_cannot_log_in_means_nothing_runs(
    own_server: ThrowawayServer, tmp_path: Path
) -> None:
    # One session per user: the runner's own takes it, so its watch cannot log in (builtin:
    # the revisions run on that one session, which an unwatched run would do unprotected).
    url = _user(own_server, "single", limit="WITH MAX_USER_CONNECTIONS 1")
    project = _project(tmp_path, ("g1", None, '    op.execute("CREATE TABLE made (id INT)")'))

    result = run_migrator(url, "upgrade", alembic_script_location=project, migrator_env="builtin")

    assert result.returncode == Unprotected.exit_code, result.stderr
    assert "the server watch cannot connect" in result.stderr
    assert "Traceback" not in result.stderr
    with own_server.admin_connection(PROJECT_DATABASE) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        tables = {row[0] for row in cursor.fetchall()}
    assert "made" not in tables
    assert "alembic_version" not in tables


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "throwaway-mariadb")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server-cert.pem", directory / "server-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_a_tls_url_with_keys_only_sqlalchemy_reads_keeps_the_cancel(tmp_path: Path) -> None:
    # ssl_check_hostname is SQLAlchemy's, not PyMySQL's: the watch's connection is made from
    # the session's translated parameters (TLS included), so it connects, and cancels.
    tls = tmp_path / "tls"
    tls.mkdir()
    cert, key = _self_signed(tls)
    server = started_server(
        tmp_path / "mysql",
        extra_args=[f"--ssl-cert={cert}", f"--ssl-key={key}", "--require-secure-transport=ON"],
    )
    try:
        server.create_database("app")
        url = f"{server.url('app')}&ssl_ca={cert}&ssl_check_hostname=false"
        project = _project(tmp_path, ("g1", None, f'    op.execute("{SLEEP}")'))
        migrator = start_migrator(url, "upgrade", alembic_script_location=project)
        server.wait_until_running(SLEEP, migrator)

        sent = time.monotonic()
        migrator.send_signal(signal.SIGTERM)
        _, stderr = migrator.communicate(timeout=30)
        exited_after = time.monotonic() - sent

        assert migrator.returncode == SIGNAL_BASE + signal.SIGTERM, stderr
        assert exited_after < 5
        assert server.running(SLEEP) == 0
        assert _newest(url, project)["outcome"] == "interrupted"
    finally:
        server.stop()


def test_a_lock_session_dropped_while_env_py_works_stops_the_run(
    own_server: ThrowawayServer, tmp_path: Path
) -> None:
    # The runner's own session idles while env.py's runs the first revision; the server drops
    # it after wait_timeout, and with it the migration lock. The second revision never starts.
    url = _user(own_server, "idle")
    own_server.admin_sql("SET GLOBAL wait_timeout = 3")
    project = _project(
        tmp_path,
        ("g1", None, '    op.execute("DO SLEEP(6)")'),
        ("g2", "g1", '    op.execute("CREATE TABLE second (id INT)")'),
    )

    result = run_migrator(url, "upgrade", alembic_script_location=project)
    own_server.admin_sql("SET GLOBAL wait_timeout = 28800")

    assert result.returncode == Unprotected.exit_code, result.stderr
    assert "migration lock" in result.stderr
    assert "was lost" in result.stderr
    assert "Traceback" not in result.stderr
    with own_server.admin_connection(PROJECT_DATABASE) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES LIKE 'second'")
        assert cursor.fetchone() is None
    assert run_migrator(url, "current", alembic_script_location=project).returncode == OK
