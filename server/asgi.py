"""The ASGI application uvicorn imports in every worker, configured from the environment."""

from server.app import create_app
from server.config.settings import Settings

app = create_app(Settings.from_env())
