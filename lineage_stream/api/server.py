"""Run the API under uvicorn (read-only; 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import logging

from lineage_stream.api.app import VENDOR_SCRIPT, create_app
from lineage_stream.naming import AliasMap
from lineage_stream.query.store import GraphReader
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)


def serve(settings: Neo4jSettings, *, host: str = "127.0.0.1", port: int = 5050, timeout_s: float = 10.0,
          aliases: AliasMap | None = None) -> None:
    """Serve until interrupted."""
    import uvicorn

    if not VENDOR_SCRIPT.exists():
        log.warning("the page's graph library is missing (%s); run 'make install' to fetch it", VENDOR_SCRIPT)
    with GraphReader(settings, timeout_s=timeout_s) as reader:
        print(f"lineage-stream API and page on http://{host}:{port}/ (Neo4j {settings.uri}, read-only)")
        uvicorn.run(create_app(reader, aliases=aliases), host=host, port=port, log_level="warning")
