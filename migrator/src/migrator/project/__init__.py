"""The Alembic project a run is about: its scripts and ini, env.py or the builtin environment, and
the revision graph.
"""
