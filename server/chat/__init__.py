"""Chat rooms over WebSocket at /chat/{chat_name}, fanned out across processes, and the page at GET /chat.

May import server.http (its denials are problems), server.config and server.common; not the data layer.
"""
