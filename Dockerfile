# syntax=docker/dockerfile:1
# The lineage-stream worker image: dependencies from the hashed lock file, the package built from
# this repository, a non-root user. Build: docker build -t lineage-stream .  (docker-compose.yml does it)
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements/worker.lock requirements/worker.lock
RUN python -m venv /opt/lineage-stream \
 && /opt/lineage-stream/bin/pip install --require-hashes --no-deps -r requirements/worker.lock
COPY pyproject.toml README.md ./
COPY lineage_stream ./lineage_stream
RUN /opt/lineage-stream/bin/pip wheel --no-deps --wheel-dir /dist . \
 && /opt/lineage-stream/bin/pip install --no-deps /dist/lineage_stream-*.whl \
 && /opt/lineage-stream/bin/lineage-stream --version

FROM ${PYTHON_IMAGE} AS runtime
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin lineage
COPY --from=build /opt/lineage-stream /opt/lineage-stream
ENV PATH=/opt/lineage-stream/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LINEAGE_METRICS_HOST=0.0.0.0 \
    LINEAGE_LOG_FORMAT=json
USER 10001:10001
EXPOSE 9108
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/metrics', timeout=4)"]
ENTRYPOINT ["lineage-stream"]
CMD ["worker"]
