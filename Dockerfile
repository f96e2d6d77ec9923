# The service's image: `python -m server` (the default), `python -m server migrate` and
# `python -m loadclient` all run from it; docker-compose.yml starts each. Settings are environment
# variables (docs/configuration.md, docs/deployment.md); nothing secret is baked in.

# Build: dependencies in a layer of their own, installed by the script `make install` runs, from the lock.
FROM python:3.12.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN python -m venv /opt/venv
# Only what the dependency step reads: a change to the code keeps this layer.
COPY pyproject.toml constraints.txt ./
COPY generated_client/pyproject.toml generated_client/
COPY scripts/install.sh scripts/
RUN scripts/install.sh /opt/venv/bin/python deps
COPY . .
RUN scripts/install.sh /opt/venv/bin/python project \
    && python -m compileall -q /app/server /app/loadclient /app/generated_client /app/migrations

# Run: the same Python, the virtualenv and the code, owned by root and read-only to the user it runs as.
FROM python:3.12.12-slim-bookworm
# A numeric user, so that a runtime can tell it is not root without reading /etc/passwd.
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The one place the service writes: the embedded SQLite file when DATABASE_URL is unset.
RUN install --directory --owner=10001 --group=10001 /app/data
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8000
USER 10001:10001
EXPOSE 8000
# uvicorn finishes in-flight requests on SIGTERM (up to 10 s, server/__main__.py) before the pool closes.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/healthz', timeout=2)"]
CMD ["python", "-m", "server"]
