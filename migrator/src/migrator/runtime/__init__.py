"""A run's sessions: connecting, waiting for the database, the guard every session gets, the server
watch, the statement observer and retry.
"""
