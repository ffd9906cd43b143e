"""What a run is configured with: the runner's settings, the database's, and logging."""
