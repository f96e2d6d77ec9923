"""Real parts for tests, benchmarks and development: databases, server processes, client code."""
