#!/bin/sh
# Runs once, inside the official mysql image's first-start initialisation (socket-only server).
# Two users on the app schema: the migrator may change it, the API may only use it.
set -eu

read_secret() { # VAR: the value of VAR, or of the file named by VAR_FILE
  eval "value=\${$1:-}"; eval "file=\${$1_FILE:-}"
  if [ -z "$value" ] && [ -n "$file" ]; then value=$(cat "$file"); fi
  [ -n "$value" ] || { echo "10-app-users.sh: $1 or $1_FILE is required" >&2; exit 1; }
  printf '%s' "$value"
}
sql_quote() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }

database=${MYSQL_DATABASE:?MYSQL_DATABASE is required}
migrator_password=$(sql_quote "$(read_secret MIGRATOR_DB_PASSWORD)")
api_password=$(sql_quote "$(read_secret API_DB_PASSWORD)")
root_password=$(read_secret MYSQL_ROOT_PASSWORD)

MYSQL_PWD=$root_password mysql --protocol=socket -uroot <<SQL
CREATE USER IF NOT EXISTS 'migrator'@'%' IDENTIFIED BY '${migrator_password}';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES,
      CREATE VIEW, SHOW VIEW, TRIGGER ON \`${database}\`.* TO 'migrator'@'%';
-- To name the sessions that block its DDL on a metadata lock (see migrator.metadata_locks):
-- MySQL 8.4 needs SELECT on performance_schema only; PROCESS is for MariaDB, whose default
-- has the Performance Schema off (a MySQL-only deployment can drop it).
GRANT PROCESS ON *.* TO 'migrator'@'%';
GRANT SELECT ON performance_schema.* TO 'migrator'@'%';
CREATE USER IF NOT EXISTS 'api'@'%' IDENTIFIED BY '${api_password}';
-- DML, and SELECT on migrator_history too: /readyz reads it to tell "ahead" from "diverged".
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.* TO 'api'@'%';
SQL
echo "10-app-users.sh: created users migrator (DDL on ${database}) and api (DML only)"
