"""Metrics and traces: collectors, the layers that count and trace requests, the exposition across workers.

May import server.contract, server.http, server.db (the pool's figures), server.config, server.common.
"""
