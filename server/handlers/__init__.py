"""Operation handlers: each translates one contract operation into calls on the data layer (server.db).

May import server.db, server.observability, server.http, server.config and server.common; not the chat.
"""
