"""Credentials as httpx.Auth: Basic (httpx's own) or a Bearer JWT minted from the API key."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from .redaction import HIDDEN_EXTENSION, Hidden

JWT_SCOPES = ("app", "account")


class JwtAuth(httpx.Auth):
    """Sends `Authorization: Bearer <jwt>`, the JWT signed HS256 with the key's secret.

    Header `kid` is the key id and `typ` JWT; the payload carries `scope`. It has no `exp`, so the API never
    expires it: it is minted once, on the first request (PyJWT is imported only then), and reused. Each request
    names the secret in its extensions (HIDDEN_EXTENSION), so that errors mask it should a server echo it.
    """

    def __init__(self, key_id: str, secret: str, scope: str = "app") -> None:
        self.key_id = key_id
        self.scope = scope
        self._secret = secret
        self._hidden = Hidden((secret,))
        self._authorization: str | None = None

    def __repr__(self) -> str:
        return f"JwtAuth(key_id={self.key_id!r}, scope={self.scope!r})"

    def token(self) -> str:
        """The JWT this auth sends, minted on first use."""
        return self._header().removeprefix("Bearer ")

    def _header(self) -> str:
        if self._authorization is None:
            import jwt

            encoded = jwt.encode(
                {"scope": self.scope},
                self._secret,
                algorithm="HS256",
                headers={"kid": self.key_id, "typ": "JWT"},
            )
            self._authorization = f"Bearer {encoded}"
        return self._authorization

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header()
        request.extensions[HIDDEN_EXTENSION] = self._hidden
        yield request


class BasicAuth(httpx.BasicAuth):
    """httpx's Basic auth (username = key id, password = secret) with a repr that names only the key id."""

    def __init__(self, key_id: str, secret: str) -> None:
        super().__init__(key_id, secret)
        self.key_id = key_id

    def __repr__(self) -> str:
        return f"BasicAuth(key_id={self.key_id!r})"
