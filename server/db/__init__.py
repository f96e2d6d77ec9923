"""The data layer: the database interface, its PostgreSQL and SQLite backends, the schema and the stores.

Imports only server.config and server.common: nothing of HTTP, the contract, the handlers or the chat.
"""
