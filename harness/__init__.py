"""Real parts for tests, benchmarks and development: PostgreSQL clusters, server processes, client generation."""
