"""The runner on a real PostgreSQL (harness/postgres_server.py)."""
