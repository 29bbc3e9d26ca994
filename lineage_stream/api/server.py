"""Run the API under uvicorn (read-only; 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import logging

from lineage_stream.api.app import VENDOR_SCRIPT, create_app
from lineage_stream.errors import ConfigError
from lineage_stream.naming import AliasMap
from lineage_stream.query.store import GraphReader
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)


def tls_options(cert: str | None, key: str | None) -> dict[str, str]:
    """uvicorn's TLS options for a certificate and its key (PEM files); both or neither.

    Raises:
        ConfigError: only one of the two is given.
    """
    if bool(cert) != bool(key):
        raise ConfigError("the API's TLS certificate and key go together (--tls-cert and --tls-key)")
    return {"ssl_certfile": cert, "ssl_keyfile": key} if cert and key else {}


def serve(settings: Neo4jSettings, *, host: str = "127.0.0.1", port: int = 5050, timeout_s: float = 10.0,
          aliases: AliasMap | None = None, tls_cert: str | None = None, tls_key: str | None = None) -> None:
    """Serve until interrupted; over HTTPS when given a certificate and key."""
    import uvicorn

    tls = tls_options(tls_cert, tls_key)
    if not VENDOR_SCRIPT.exists():
        log.warning("the page's graph library is missing (%s); run 'make install' to fetch it", VENDOR_SCRIPT)
    with GraphReader(settings, timeout_s=timeout_s) as reader:
        scheme = "https" if tls else "http"
        print(f"lineage-stream API and page on {scheme}://{host}:{port}/ (Neo4j {settings.uri}, read-only)")
        uvicorn.run(create_app(reader, aliases=aliases), host=host, port=port, log_level="warning",
                    ssl_certfile=tls.get("ssl_certfile"), ssl_keyfile=tls.get("ssl_keyfile"))
