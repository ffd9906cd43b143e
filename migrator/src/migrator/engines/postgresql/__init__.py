"""PostgreSQL (13-17) behind the engine seam: psycopg 3 for the runner's own sessions."""
