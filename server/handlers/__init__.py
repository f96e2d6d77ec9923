"""Operation handlers: each translates one contract operation into calls on server.db."""
