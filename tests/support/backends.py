"""The four backends by one name each ("sync-httpx", "sync-pyreqwest", "async-aiohttp", "async-httpx"), and an
operation run through a client the way that name says (sync, or in a new event loop)."""

from __future__ import annotations

import asyncio
from typing import Any

import sunco_keys

BACKENDS = ["sync-httpx", "sync-pyreqwest", "async-aiohttp", "async-httpx"]


def backend_options(backend: str) -> tuple[str, dict[str, str]]:
    """ "sync" or "async", and the connect() argument that picks the backend."""
    mode, _, name = backend.partition("-")
    return mode, {"sync_backend": name} if mode == "sync" else {"async_backend": name}


def run(mode: str, client: sunco_keys.Client, module: Any, *args: Any, **kwargs: Any) -> Any:
    """The operation of endpoint `module`, called sync or in a new event loop; the client closed after it."""
    if mode == "sync":
        with client:
            return module.sync(*args, client=client, **kwargs)

    async def in_a_loop() -> Any:
        async with client:
            return await module.asyncio(*args, client=client, **kwargs)

    return asyncio.run(in_a_loop())
