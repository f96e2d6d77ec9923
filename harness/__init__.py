"""Real parts for tests and benchmarks: throwaway PostgreSQL clusters and server processes."""
