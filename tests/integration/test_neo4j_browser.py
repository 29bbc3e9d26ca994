"""The local Neo4j serves Neo4j Browser and its HTTP API on 127.0.0.1:7474 beside Bolt, so an analyst
has somewhere to look at the graph (only for the local services: another Neo4j is not ours to check)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest

from lineage_stream_dev.infra.layout import Settings

pytestmark = pytest.mark.integration


def _get(url: str, body: dict[str, object] | None = None, auth: tuple[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read().decode()


def test_browser_and_http_api_beside_bolt(services, graph):
    if services.origin != "local":
        pytest.skip(f"Neo4j comes from {services.origin}, not from the local services")
    local = Settings()
    assert local.neo4j_browser_url == "http://127.0.0.1:7474/browser/"
    status, page = _get(local.neo4j_browser_url)
    assert status == 200 and "<title>Neo4j Browser</title>" in page

    status, text = _get("http://127.0.0.1:7474/")
    discovery = json.loads(text)
    assert discovery["neo4j_edition"] == "community" and discovery["bolt_direct"] == services.neo4j_uri

    graph.execute_query("CREATE (:Dataset {namespace: 'browser-test', name: 'a'}), (:Dataset {namespace: 'browser-test', name: 'b'})")
    query = {"statement": "MATCH (d:Dataset {namespace: $ns}) RETURN count(d) AS n", "parameters": {"ns": "browser-test"}}
    status, text = _get("http://127.0.0.1:7474/db/neo4j/query/v2", query, (services.neo4j_user, services.neo4j_password))
    assert json.loads(text)["data"]["values"] == [[2]]
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get("http://127.0.0.1:7474/db/neo4j/query/v2", query, (services.neo4j_user, "not-the-password"))
    assert refused.value.code == 401
