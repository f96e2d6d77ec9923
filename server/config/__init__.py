"""Configuration of the process: settings from the environment, paths, DATABASE_URL, logging, runtime.

Imports only server.common: every other layer reads its configuration from here.
"""
