"""A client library for accessing Sunshine Conversations Custom Integration API Keys"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import lib as _lib
from .client import AuthenticatedClient, Client

if TYPE_CHECKING:
    from .lib import *  # noqa: F403  (lib's __all__, named for type checkers; served by __getattr__ below)

__all__ = ["AuthenticatedClient", "Client"]
__all__ += _lib.__all__  # the typing spec's way to re-export a submodule's names


def __getattr__(name: str) -> Any:
    """The hand-written names come from sunco_keys.lib, which loads each on first use."""
    if name not in __all__:  # anything else, a submodule such as `errors` included, is not lib's to answer
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_lib, name)
