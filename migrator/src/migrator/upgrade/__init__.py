"""Applying revisions: the upgrade itself, the checks before it, and repair."""
