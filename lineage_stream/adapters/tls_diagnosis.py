"""Why a TLS handshake fails, in words: the certificate verification error Python's ``ssl`` reports.

librdkafka says "certificate verify failed" for an untrusted certificate and for a host name the
certificate does not carry alike; one handshake of our own, with the same CA file and host name,
tells the two apart. No credentials are sent.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path


def verify_message(error: BaseException | None) -> str | None:
    """The verification message of the first ``SSLCertVerificationError`` in an exception chain."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ssl.SSLCertVerificationError):
            return str(error.verify_message or error.reason or error)
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def diagnose(host: str, port: int, ca_file: str | Path | None, *, check_hostname: bool = True,
             timeout_s: float = 5.0) -> str | None:
    """Handshake with ``host:port`` trusting ``ca_file`` (the system store when None).

    Returns the reason the server's certificate is refused, or None when the handshake passes or
    the server cannot be reached.
    """
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.check_hostname = check_hostname
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as error:
        return str(error.verify_message or error.reason)
    except (OSError, ssl.SSLError):
        return None
