"""Generic HTTP layers: every error as a problem document, body limits, media types, streamed bodies.

May import server.db.errors (outages become 503s), server.config and server.common; not the contract.
"""
