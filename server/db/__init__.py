"""Data layer: engine, tables, migrations and the queries the handlers call."""
