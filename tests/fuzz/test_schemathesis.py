"""Spec-driven API testing: schemathesis generates requests from openapi.yaml and checks the local server's answers.

Every operation, with valid and invalid inputs (generation mode "all": positive and negative), through the
examples, coverage and fuzzing phases, against a local server started for this module, authenticated with Basic
credentials. Every check schemathesis has that applies to a single call runs (`not_a_server_error`,
`status_code_conformance`, `content_type_conformance`, `response_schema_conformance`,
`response_headers_conformance`, `positive_data_acceptance`, `negative_data_rejection`, `ignored_auth`,
`missing_required_header`, `unsupported_method`, ...): the server must answer only documented statuses, with
bodies valid under the spec. The server answers 405 with `Allow` to a method a path does not have (outside the
spec on purpose: that is what `unsupported_method` expects).

So that the generated requests reach more than the "no such app" answer, path parameters are drawn half the time
from the seeds (the app and its custom integration) and a third of the time `keyId` names a key created just
before the call. The seeded integration that is not custom is left out: the API refuses a schema-valid request
about it with 400 (as the mock server does), a refusal that depends on the state of the account, as a 404 does, which
`positive_data_acceptance` cannot know; tests/e2e/test_operations.py covers that answer.

The server is reset before every case, so that no case depends on the ones before it: an integration holds at
most 10 keys, and without the reset the eleventh valid create of a run would be refused with 400, which
`positive_data_acceptance` rightly reports (the limit itself is tested in tests/e2e).

Seeded with `SUNCO_FUZZ_SEED`; `SUNCO_FUZZ_SCALE` multiplies the examples of the fuzzing phase.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import Case

from tests.fuzz import figures
from tests.support.canaries import CANARY_KEY_SECRET, KEY_SECRET_MARKER, leaks
from tests.support.mock_api import DEFAULT_KEY_ID, MockApi
from tests.support.spec import SPEC_PATH

CATEGORY = figures.CATEGORIES["test_schemathesis.py"]
EXAMPLES = 60
# The seeds of the local server (scripts/mock_server.py's defaults), and a stand-in replaced by a created key.
APP_ID = "5d8cff3cd55b040010928b5b"
INTEGRATION_ID = "029c31f25a21b47effd7be90"
NON_CUSTOM_INTEGRATION_ID = "5e4af71a81966a0dd8a5ee93"
EXISTING_KEY = "int_created-just-before-the-call"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": figures.SEED,
        "generation": {"mode": "all", "max-examples": figures.scaled(EXAMPLES), "database": "none"},
        "checks": {"enabled": True},
        "dictionaries": {
            "apps": {"values": [APP_ID]},
            "integrations": {"values": [INTEGRATION_ID]},
            "keys": {"values": [EXISTING_KEY]},
        },
        "parameters": {
            "path.appId": {"dictionary": "apps", "probability": 0.5},
            "path.integrationId": {"dictionary": "integrations", "probability": 0.5},
            "path.keyId": {"dictionary": "keys", "probability": 0.33},
        },
    }
)
schema = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)


@pytest.fixture(scope="module")
def contract_server() -> Iterator[MockApi]:
    """A local server for this module alone (its thousands of requests stay out of the session server's log)."""
    with MockApi.start(secret=CANARY_KEY_SECRET, extra_args=["--key-secret-prefix", KEY_SECRET_MARKER]) as server:
        assert (server.app_id, server.integration_id) == (APP_ID, INTEGRATION_ID)
        assert server.non_custom_integration_id == NON_CUSTOM_INTEGRATION_ID
        yield server
        stderr = server.stderr_text()
    assert not leaks(stderr), "secret leak: the contract server's log shows a canary"
    assert "unexpected error" not in stderr, "the server failed on a request (its log names it)"


def create_key(server: MockApi) -> str:
    """A fresh key's id, created through the API itself (the secret is not kept)."""
    response = httpx.post(
        f"{server.url}/v2/apps/{server.app_id}/integrations/{server.integration_id}/keys",
        json={"displayName": "schemathesis"},
        auth=(DEFAULT_KEY_ID, server.secret),
        timeout=10.0,
    )
    assert response.status_code == 201, response.status_code
    key_id: str = response.json()["key"]["id"]
    return key_id


@pytest.mark.timeout(300 * figures.SCALE)
@schema.parametrize()
def test_the_local_server_conforms_to_the_spec(case: Case[Any], contract_server: MockApi) -> None:
    contract_server.reset()
    if (case.path_parameters or {}).get("keyId") == EXISTING_KEY:
        assert case.path_parameters is not None
        case.path_parameters["keyId"] = create_key(contract_server)
    response = case.call_and_validate(
        base_url=contract_server.url, auth=(contract_server.key_id, contract_server.secret), timeout=10
    )
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    figures.record(CATEGORY)
    figures.note(CATEGORY, f"{mode} {response.status_code}")
