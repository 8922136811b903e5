"""Functions a worker process runs (importable by name, as multiprocessing's spawn start method needs)."""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.connection import Connection

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key


def get_key(base_url: str, key_id: str, secret: str, app_id: str, integration_id: str, key: str) -> str:
    """Get one key in this process and return its id; whatever it raises goes back to the parent pickled."""
    with sunco_keys.connect(key_id, secret, base_url=base_url, retries=0) as client:
        found = get_custom_integration_key.sync(app_id, integration_id, key, client=client)
    return str(getattr(getattr(found, "key", None), "id", None))


def outcome_in_this_process(call: Callable[[], object], results: Connection) -> None:
    """Run `call` (in a forked child) and send back how it ended: ("returned", str(what it returned)) or (exception
    class, message)."""
    try:
        results.send(("returned", str(call())))
    except BaseException as exc:  # whatever it is, the parent asserts on it
        results.send((type(exc).__name__, str(exc)))
