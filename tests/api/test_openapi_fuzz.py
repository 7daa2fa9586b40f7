"""A bounded Schemathesis run over the app's own OpenAPI document, against a fresh copy of the demo database.

Every operation gets positive and negative examples, with a valid token (writes enabled) and without one;
every response must be no 5xx and must match what the document says (status, content type, headers, body
schema). URL fetching cannot leave the machine: the settings refuse private addresses (the default), and
every http(s) URL in a generated ingest body is pointed at 127.0.0.1 before the request is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from claimwatch.api.app import create_app
from claimwatch.settings import Settings

TOKEN = "fuzz-token"
EXAMPLES = 12  # per operation and generation mode: the whole run takes about 15 s on 2 cores
LOCAL = "http://127.0.0.1:9/never-fetched"  # loopback: refused by the guard (allow_private_fetch is off)


def keep_fetches_local(case: Any) -> Any:
    """Point every http(s) URL to fetch of an ingest body at loopback, which the fetch guard refuses
    (strings stay strings: a negative case stays negative)."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("urls"), list):
        body["urls"] = [LOCAL if isinstance(u, str) and urlparse(u).scheme.lower() in ("http", "https") else u for u in body["urls"]]
    return case  # article URLs (body.articles[].url) are stored, never fetched


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], calls: dict[str, int]) -> None:
    """Run EXAMPLES generated cases of one operation through every Schemathesis check."""
    label = f"{operation.method.upper()} {operation.path} {mode.value}"
    writes = bool(headers) and operation.method.upper() in ("POST", "PATCH", "DELETE") and mode is GenerationMode.POSITIVE
    # a write on a generated claim id: mostly no such claim or article (404), or a change the claim's state
    # does not allow (409: restoring a claim that is not deleted)
    accepted = (200, 201) if "{" not in operation.path else (200, 201, 404, 409)

    @given(case=operation.as_strategy(generation_mode=mode).map(keep_fetches_local))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        calls[label] = calls.get(label, 0) + 1
        response = case.call_and_validate(headers=headers)
        assert response.status_code < 500, (label, response.status_code, response.text[:300])
        if writes:  # valid bodies with the token are written (the write slots are free: one request at a time)
            assert response.status_code in accepted, (label, response.status_code, response.text[:300])

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, label  # nothing to make invalid: no parameters, no body


@pytest.mark.parametrize("token", [True, False], ids=["with-token", "anonymous"])
def test_every_operation_answers_as_documented_and_never_5xx(demo_copy: Path, token: bool) -> None:
    # Generated Authorization headers are wrong tokens from one address: without a high limit the lockout
    # (tested in tests/reliability/test_api.py) would answer 429 to the rest of the run.
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN, fetch_deadline=1.0, fetch_timeout=1.0, api_auth_max_failures=10_000))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {TOKEN}"} if token else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /api/claims",
        "POST /api/ingest",
        "GET /api/search",
        "PATCH /api/claims/{claim_id}",
        "DELETE /api/claims/{claim_id}",
        "POST /api/claims/{claim_id}/reviews",
        "POST /api/claims/{claim_id}/restore",
        "GET /api/outlets",
    }
    calls: dict[str, int] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, headers, calls)
    assert sum(calls.values()) >= len(operations) * EXAMPLES
