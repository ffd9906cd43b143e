"""What only one database engine does, tested on its real server (tests/engines/<engine>/)."""
