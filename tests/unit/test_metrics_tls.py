"""/metrics, /healthz and /readyz over HTTPS (and mTLS) when the settings name a certificate and key."""

from __future__ import annotations

import socket
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lineage_stream.adapters.health import Health, Partitions, serve
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.errors import ConfigError
from lineage_stream.settings import load_settings
from lineage_stream_dev.infra import certs


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(host: str, port: int, **tls: object):  # type: ignore[no-untyped-def]
    metrics = WorkerMetrics()
    return serve(Health(metrics, lambda: Partitions(0, False)), metrics, host, port, **tls)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> certs.TlsFiles:
    files = certs.TlsFiles(tmp_path_factory.mktemp("tls"))
    certs.issue(files, ("localhost",))
    return files


def test_metrics_over_https_from_the_settings(tls: certs.TlsFiles) -> None:
    port = _port()
    settings = load_settings(env={"LINEAGE_METRICS_TLS_CERT": str(tls.server_cert),
                                  "LINEAGE_METRICS_TLS_KEY": str(tls.server_key), "LINEAGE_METRICS_PORT": str(port)})
    server = _serve(settings.metrics_host, settings.metrics_port, certfile=settings.metrics_tls_cert,
                    keyfile=settings.metrics_tls_key)
    context = ssl.create_default_context(cafile=str(tls.ca_cert))
    with urllib.request.urlopen(f"https://localhost:{port}/metrics", context=context, timeout=5) as response:
        assert response.status == 200 and b"lineage_events_consumed" in response.read()
    with urllib.request.urlopen(f"https://localhost:{port}/healthz", context=context, timeout=5) as response:
        assert response.status == 200
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"http://localhost:{port}/metrics", timeout=5)
    server.shutdown()


def test_metrics_mtls_refuses_a_client_without_a_certificate(tls: certs.TlsFiles) -> None:
    port = _port()
    server = _serve("127.0.0.1", port, certfile=tls.server_cert, keyfile=tls.server_key, client_cafile=tls.ca_cert)
    context = ssl.create_default_context(cafile=str(tls.ca_cert))
    with pytest.raises((urllib.error.URLError, ConnectionError, ssl.SSLError)):
        urllib.request.urlopen(f"https://localhost:{port}/metrics", context=context, timeout=5).read()
    context.load_cert_chain(tls.client_cert, tls.client_key)
    with urllib.request.urlopen(f"https://localhost:{port}/metrics", context=context, timeout=5) as response:
        assert response.status == 200
    server.shutdown()


def test_certificate_and_key_go_together(tls: certs.TlsFiles) -> None:
    with pytest.raises(ConfigError, match="metrics_tls_cert and metrics_tls_key go together"):
        load_settings(env={"LINEAGE_METRICS_TLS_CERT": str(tls.server_cert)})
