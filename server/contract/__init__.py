"""The contract layer extending Connexion: the spec, its routing, operations, validation and docs.

May import server.http, server.config and server.common; never a handler, the data layer or the chat.
"""
