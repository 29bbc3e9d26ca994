"""The HTTP API and page over HTTPS when given a certificate and key (uvicorn's own TLS)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn

from lineage_stream.api.app import create_app
from lineage_stream.api.server import tls_options
from lineage_stream.errors import ConfigError
from lineage_stream_dev.infra import certs


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_page_over_https(tmp_path) -> None:
    files = certs.TlsFiles(tmp_path)
    certs.issue(files, ("localhost",))
    port = _port()
    config = uvicorn.Config(create_app(object()), host="127.0.0.1", port=port, log_level="warning",  # type: ignore[arg-type]
                            **tls_options(str(files.server_cert), str(files.server_key)))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        context = ssl.create_default_context(cafile=str(files.ca_cert))
        with urllib.request.urlopen(f"https://localhost:{port}/", context=context, timeout=5) as answer:
            assert answer.status == 200 and b"lineage-stream" in answer.read()
        with pytest.raises(urllib.error.URLError):  # a client that does not trust the CA is refused
            urllib.request.urlopen(f"https://localhost:{port}/", context=ssl.create_default_context(), timeout=5)
    finally:
        server.should_exit = True
        thread.join(10)


def test_certificate_and_key_go_together() -> None:
    assert tls_options(None, None) == {}
    with pytest.raises(ConfigError, match="go together"):
        tls_options("cert.pem", None)
