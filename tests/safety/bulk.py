"""A big source table, filled once per matrix run on a server of its own, that cells copy from
across schemas: an INSERT ... SELECT from it runs long enough to be signalled mid-way, and its
rollback (several seconds) outlasts the runner's cancel grace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.mysql_server import ThrowawayServer
from tests.safety.servers import matrix_server
from tests.safety.views import is_mariadb, rows

DATABASE = "matrix_bulk"
TABLE = "src"
# Measured alone on this 2-core machine (MariaDB 10.11, the harness's 64 MB buffer pool): the
# fill takes 6 s, and the copy of 2,000,000 rows into a table with a secondary index (see
# DESTINATION in the test) 13.5-15 s; its rollback, 8 s into the copy, about 10 s. Without the
# index the copy took under 8 s on a quiet machine: too short to signal it 8 s in. Side by side
# with other cells both take longer, which only widens the window.
ROWS = 2_000_000
COLUMNS = "(id INT PRIMARY KEY, v VARCHAR(200) NOT NULL) ENGINE=InnoDB"


@dataclass(frozen=True)
class BulkSource:
    server: ThrowawayServer
    rows: int
    fill_seconds: float

    @property
    def table(self) -> str:
        return f"`{DATABASE}`.`{TABLE}`"


def filled_source(base_dir: Path) -> BulkSource:
    server = matrix_server(base_dir)
    started = time.monotonic()
    if is_mariadb(server):
        # The Sequence engine: seq_1_to_N is a table of N rows, no recursion limit.
        fill = [f"INSERT INTO {DATABASE}.{TABLE} SELECT seq, REPEAT('x', 100) FROM seq_1_to_{ROWS}"]
    else:
        fill = [
            f"SET SESSION cte_max_recursion_depth = {ROWS + 1}",
            f"INSERT INTO {DATABASE}.{TABLE} WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL "
            f"SELECT n + 1 FROM seq WHERE n < {ROWS}) SELECT n, REPEAT('x', 100) FROM seq",
        ]
    server.admin_sql(f"CREATE DATABASE {DATABASE}", f"CREATE TABLE {DATABASE}.{TABLE} {COLUMNS}")
    server.admin_sql(*fill, database=DATABASE)
    (counted,) = rows(server, f"SELECT COUNT(*) FROM {DATABASE}.{TABLE}")[0]
    return BulkSource(server, int(counted), time.monotonic() - started)
