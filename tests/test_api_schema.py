"""schemathesis against the OpenAPI spec: generated requests to every operation, never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.service_fixtures import api, meeting_bytes, settings_for, upload, wait_report

# schemathesis' ASGI client says `Host: testserver`; a keyless server answers only to loopback names
LOOPBACK = {"Host": "localhost"}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):  # noqa: ANN201
    with api(settings_for(tmp_path_factory.mktemp("schema"), workers=1)) as client:
        doc = upload(client, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
        rid = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        wait_report(client, rid)
        yield schemathesis.openapi.from_asgi("/openapi.json", client.app, headers=LOOPBACK)


def test_no_server_errors(api_schema) -> None:  # noqa: ANN001
    """Every operation, 25 generated requests each. Driven through schemathesis' Python API rather
    than its pytest plugin, which breaks on pytest releases that change collection internals."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case) -> None:  # noqa: ANN001
            response = case.call(headers=LOOPBACK)
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
            ctype = response.headers.get("content-type") or [""]
            if response.status_code >= 400 and ctype[0].startswith("application/json"):
                body = response.json()
                assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

        check()
