"""Prometheus metrics: the collectors, the layer that counts requests, the exposition across workers.

May import server.contract, server.http, server.db (the pool's figures), server.config, server.common.
"""
