"""MySQL 8.4 and MariaDB: the DDL session's connection, its errors, the run lock (GET_LOCK),
metadata-lock blockers, the side connection, SQL statements, and lint's catalogue of the
online-DDL tables.
"""
