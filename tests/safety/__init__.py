"""The safety matrix: each guarantee of the runner, proven once and run in every way a project
points the runner at a database (this repository's env.py, the stock `alembic init` env.py with
its own engine, Alembic's async template, builtin mode) and every URL form that way takes
(PyMySQL over TCP and over a unix socket, `mariadb+pymysql://`, `mysql+aiomysql://`), as
golang-migrate's `database/testing` runs one suite against every driver.

One module per guarantee; each cell is a test of its own (`frozen-server[during-stock-unix]`),
which passes, fails, or is skipped with the reason it cannot apply. The cells that wait (a
frozen server, a signal, a long statement) run side by side (tests/safety/matrix.py).
"""
