"""`migrate lint`: the operations a revision performs, read without a database, and the report."""
