"""The command line: argument parsing and exit codes (main), one function per verb (commands)."""
