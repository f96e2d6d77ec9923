"""Benchmarks: `python -m bench` measures the service on PostgreSQL and prints a table."""
