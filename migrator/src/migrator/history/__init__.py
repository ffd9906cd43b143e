"""The history the database keeps (migrator_history): its table, the recorder, the report, and what
it proves about the schema.
"""
