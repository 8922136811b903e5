"""`make demo`: the main job, end to end against the embedded local server, one readable line per step.

Starts scripts/mock_server.py on a free loopback port, then through the generated package creates a key, lists
the integration's keys, gets the key, deletes it and shows the 404 that follows; stops the server and exits 0.
A secret is never printed whole.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sunco_keys  # noqa: E402
from sunco_keys.api.custom_integration_api_keys import (  # noqa: E402
    create_custom_integration_key,
    delete_custom_integration_key,
    get_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.models import (  # noqa: E402
    ApiKey,
    IntegrationApiKey,
    IntegrationApiKeyListResponse,
    IntegrationApiKeyResponse,
)
from sunco_keys.types import Unset  # noqa: E402
from tests.support.mock_api import MockApi  # noqa: E402  (starts the server process and stops it)


def masked(secret: str | Unset) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    if isinstance(secret, Unset):
        return "(none)"
    return f"{secret[:4]}… ({len(secret)} characters)"


def describe(key: ApiKey | Unset) -> str:
    if isinstance(key, Unset):
        return "(no key in the answer)"
    return f"{key.id} {key.display_name!r}"


def step(number: int, what: str, line: str) -> None:
    print(f"  {number}. {what:<7} {line}", flush=True)


def main() -> int:
    with MockApi.start() as api:
        print(f"sunco-keys demo against the embedded local server at {api.url}", flush=True)
        where = (api.app_id, api.integration_id)
        with sunco_keys.connect(key_id=api.key_id, secret=api.secret, base_url=api.url, auth="jwt") as client:
            created = create_custom_integration_key.sync_detailed(
                *where, client=client, body=IntegrationApiKey(display_name="demo key")
            )
            # connect() raises for every non-2xx, so a 2xx answer parsed into its documented model is what remains.
            assert isinstance(created.parsed, IntegrationApiKeyResponse) and isinstance(created.parsed.key, ApiKey)
            key = created.parsed.key
            assert isinstance(key.id, str)
            step(1, "create", f"{created.status_code.value}: {describe(key)}, secret {masked(key.secret)}")

            listed = list_custom_integration_keys.sync(*where, client=client)
            assert isinstance(listed, IntegrationApiKeyListResponse)
            ids = [] if isinstance(listed.keys, Unset) else [k.id for k in listed.keys]
            step(2, "list", f"200: {len(ids)} key(s): {', '.join(str(i) for i in ids)}")

            got = get_custom_integration_key.sync_detailed(*where, key.id, client=client)
            assert isinstance(got.parsed, IntegrationApiKeyResponse)
            step(3, "get", f"{got.status_code.value}: {describe(got.parsed.key)}")

            deleted = delete_custom_integration_key.sync_detailed(*where, key.id, client=client)
            step(4, "delete", f"{deleted.status_code.value}: {deleted.content.decode()}")

            try:
                get_custom_integration_key.sync(*where, key.id, client=client)
            except sunco_keys.NotFoundError as error:
                first = error.errors[0]
                step(5, "get", f"{error.status_code}: {type(error).__name__} ({first.code}: {first.title})")
            else:
                print("the deleted key is still there", file=sys.stderr)
                return 1
    print("done: the local server has stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
