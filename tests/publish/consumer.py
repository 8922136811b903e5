"""What a consumer does after `pip install sunco-keys` from the internal index: the four operations.

test_publish_e2e.py runs this with the python of a fresh virtualenv (`python -I`, so only that environment's
site-packages can provide `sunco_keys`), as `consumer.py BASE_URL APP_ID INTEGRATION_ID`, with the API key in
SUNCO_KEY_ID/SUNCO_KEY_SECRET (never on a command line). It prints one JSON object: where `sunco_keys` was
imported from, which version, and what each operation returned (ids only, never a secret).
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import (
    create_custom_integration_key,
    delete_custom_integration_key,
    get_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.models import IntegrationApiKey, IntegrationApiKeyListResponse, IntegrationApiKeyResponse


def key_id_of(response: object) -> str:
    """The id of the key in a single-key response."""
    assert isinstance(response, IntegrationApiKeyResponse), type(response).__name__
    assert response.key and isinstance(response.key.id, str)
    return response.key.id


def main(base_url: str, app_id: str, integration_id: str) -> dict[str, object]:
    """Create, list, get and delete a key, then get it again; return what happened."""
    scope = (app_id, integration_id)
    with sunco_keys.connect(
        key_id=os.environ["SUNCO_KEY_ID"], secret=os.environ["SUNCO_KEY_SECRET"], base_url=base_url
    ) as client:
        created = create_custom_integration_key.sync(
            *scope, client=client, body=IntegrationApiKey(display_name="from-the-internal-index")
        )
        new_id = key_id_of(created)
        listed = list_custom_integration_keys.sync(*scope, client=client)
        assert isinstance(listed, IntegrationApiKeyListResponse), type(listed).__name__
        got = key_id_of(get_custom_integration_key.sync(*scope, new_id, client=client))
        delete_custom_integration_key.sync(*scope, new_id, client=client)
        try:
            get_custom_integration_key.sync(*scope, new_id, client=client)
            after_delete = "found"
        except sunco_keys.NotFoundError as exc:
            after_delete = f"NotFoundError {exc.status_code}"
    return {
        "module": sunco_keys.__file__,
        "version": version("sunco-keys"),
        "created": new_id,
        "listed": [key.id for key in listed.keys or []],
        "got": got,
        "after_delete": after_delete,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
