"""Helpers with no knowledge of the service, which every layer may import.

Imports nothing of server.
"""
