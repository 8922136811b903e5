"""JwtAuth: HS256 tokens with kid, typ and scope, minted once and reused, never shown."""

from __future__ import annotations

import httpx
import jwt
import pytest

from sunco_keys.lib.auth import BasicAuth, JwtAuth

SECRET = "canary-secret-5b7e2d-with-enough-length-for-hs256"


def authorization(auth: httpx.Auth) -> str:
    flow = auth.sync_auth_flow(httpx.Request("GET", "https://api.smooch.io/v2/apps/a/integrations/b/keys"))
    return next(flow).headers["Authorization"]


@pytest.mark.parametrize(("key_id", "scope"), [("app_5d8cff3cd55b040010928b5b", "app"), ("act_1", "account")])
def test_token_is_hs256_with_kid_typ_and_scope(key_id: str, scope: str) -> None:
    header = authorization(JwtAuth(key_id, SECRET, scope))
    assert header.startswith("Bearer ")
    token = header.removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "kid": key_id, "typ": "JWT"}
    assert jwt.decode(token, SECRET, algorithms=["HS256"]) == {"scope": scope}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-sufficient-length-0000", algorithms=["HS256"])


def test_token_is_minted_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_encode = jwt.encode

    def counting_encode(*args: object, **kwargs: object) -> str:
        calls.append(1)
        return real_encode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "encode", counting_encode)
    auth = JwtAuth("app_1", SECRET)
    assert authorization(auth) == authorization(auth) == authorization(auth)
    assert len(calls) == 1


async def test_async_flow_sends_the_same_token() -> None:
    auth = JwtAuth("app_1", SECRET)
    flow = auth.async_auth_flow(httpx.Request("GET", "https://api.smooch.io/"))
    request = await flow.__anext__()
    assert request.headers["Authorization"] == authorization(auth)


@pytest.mark.parametrize("auth", [JwtAuth("app_1", SECRET), BasicAuth("app_1", SECRET)])
def test_neither_secret_nor_token_in_repr(auth: httpx.Auth) -> None:
    token = authorization(auth).split(" ", 1)[1]
    for text in (repr(auth), str(auth), repr(vars(auth).get("key_id"))):
        assert SECRET not in text
        assert token not in text


def test_basic_auth_is_httpx_basic_with_key_id_and_secret() -> None:
    assert authorization(BasicAuth("app_1", SECRET)) == httpx.BasicAuth("app_1", SECRET)._auth_header


@pytest.mark.parametrize("auth", [JwtAuth("app_1", SECRET), BasicAuth("app_1", SECRET)])
def test_the_keys_credentials_replace_an_authorization_header_already_set(auth: httpx.Auth) -> None:
    request = httpx.Request("GET", "https://api.smooch.io/", headers={"Authorization": "Bearer someone-elses"})
    sent = next(auth.sync_auth_flow(request)).headers.get_list("Authorization")
    assert sent == [authorization(auth)]
