"""Benchmarks: scripts that print figures, runnable by anyone (not timed tests)."""
