"""Chat rooms over WebSocket at /chat/{chat_name}, fanned out across processes, and the page at GET /chat."""
