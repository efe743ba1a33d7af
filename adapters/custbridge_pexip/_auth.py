"""OAuth2 client credentials for Pexip Engage, as an :class:`httpx.Auth` flow.

Token URL: ``{auth_url}/realms/{enterprise}/protocol/openid-connect/token`` (Keycloak, one realm
per enterprise; https://developer.pexipengage.com/authentication). The flow is generator-based
like every httpx auth, so it runs inside the engine's own client (sync or async) and the
caller's transport; it does no I/O of its own.

Why not a library: authlib's httpx integration is a client subclass (``OAuth2Client``), not
an ``httpx.Auth`` that fetches tokens, so it cannot live inside a client the engine or the
caller owns; httpx-auth fetches tokens with its own blocking client, even under asyncio.

Behaviour:

- the token is fetched lazily, on the first request, and cached until shortly before
  ``expires_in`` runs out;
- concurrent requests share one fetch: a :class:`threading.Lock` (sync) or an
  :class:`asyncio.Lock` (async) is held while fetching, and whoever waited finds the new token;
- a 401 from the API drops the token, fetches a new one (once, shared) and retries the
  request once; a second 401 is the caller's :class:`~custbridge.AuthenticationError`;
- a 4xx from the token endpoint raises :class:`~custbridge.AuthenticationError` with a hint;
  a 429/5xx (or an unreadable 2xx) is handed back as the response, so the engine retries it
  like any transient failure;
- the token and the client secret appear in no repr, error or log line.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx

from custbridge import AuthenticationError, Secret

__all__ = ["ClientCredentialsAuth"]

_DEFAULT_LIFETIME = 60.0
"""Seconds a token is trusted when the token endpoint sends no ``expires_in``."""
_MAX_MARGIN = 30.0
"""Refresh at most this many seconds before expiry ("shortly before")."""
_REMEMBERED_TOKENS = 8
"""Issued tokens kept for redaction."""


class ClientCredentialsAuth(httpx.Auth):
    """Bearer tokens from an OAuth2 client-credentials grant, cached and shared.

    Args:
        provider: registered provider name (for errors).
        token_url: the token endpoint.
        client_id: the OAuth client id.
        client_secret: the OAuth client secret.
        scope: optional space-separated scopes to request.
        correlation_header: request header whose value is kept on errors as ``request_id``.
        credential_hint: what to set when the credentials are refused.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self,
        *,
        provider: str,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        scope: str | None = None,
        correlation_header: str | None = None,
        credential_hint: str = "",
    ) -> None:
        self.provider = provider
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._correlation_header = correlation_header
        self._credential_hint = credential_hint
        self.clock: Callable[[], float] = time.monotonic
        """Monotonic seconds; tests replace it to move time forward."""
        self._token: str | None = None
        self._issued: deque[str] = deque(maxlen=_REMEMBERED_TOKENS)
        self._refresh_at = 0.0
        self.fetches = 0
        """How many times a token was requested (for tests and diagnostics)."""
        self._sync_lock = threading.Lock()
        self._guard = threading.Lock()  # protects creation of the per-loop asyncio lock
        self._async_lock: asyncio.Lock | None = None
        self._async_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"<ClientCredentialsAuth token_url={self.token_url!r} client_id={self._client_id!r}>"

    # -- token cache ---------------------------------------------------------------------

    def _fresh(self) -> str | None:
        """The cached token while it is still good, else ``None``."""
        token = self._token
        if token is not None and self.clock() < self._refresh_at:
            return token
        return None

    def tokens(self) -> list[str]:
        """Access tokens issued to this client (the latest few): secrets from the moment
        they arrive, also after they expire (a vendor may still echo an old one)."""
        return list(self._issued)

    def invalidate(self) -> None:
        """Forget the cached token (the next request fetches a new one)."""
        self._token = None

    def _lock_for_loop(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._guard:
            if self._async_lock is None or self._async_loop is not loop:
                self._async_lock = asyncio.Lock()
                self._async_loop = loop
            return self._async_lock

    def _token_request(self) -> httpx.Request:
        # client_secret_post: Keycloak accepts the credentials in the form body.
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._client_secret.get_secret_value()}
        if self._scope:
            form["scope"] = self._scope
        self.fetches += 1
        return httpx.Request("POST", self.token_url, data=form, headers={"Accept": "application/json"})

    def _accept(self, response: httpx.Response, request: httpx.Request) -> str | None:
        """Store the token from a token-endpoint response and return it.

        Returns ``None`` for a transient failure (429, 5xx, unreadable body): the flow then
        ends with that response, and the engine retries the request like any other.
        """
        status = response.status_code
        if status == 429 or status >= 500:
            return None
        data: Any = None
        try:
            data = json.loads(response.content) if response.content else None
        except ValueError:
            if 200 <= status < 300:
                return None
        if 200 <= status < 300:
            return self._store(data, request)
        raise self._refused(status, data, request)

    def _store(self, data: Any, request: httpx.Request) -> str:
        # {"access_token": "eyJ...", "expires_in": 300, "token_type": "Bearer", "scope": "..."}
        token = data.get("access_token") if isinstance(data, dict) else None
        token_type = data.get("token_type", "Bearer") if isinstance(data, dict) else None
        if isinstance(token, str) and token:
            self._issued.append(token)  # a secret from the moment it exists
        if not isinstance(token, str) or not token or str(token_type).lower() != "bearer":
            raise self._error(
                "the token endpoint answered without a bearer access_token", None, None, request,
                "check auth_url: it should be the Keycloak host of the enterprise",
            )
        lifetime = data.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
            lifetime = _DEFAULT_LIFETIME
        margin = min(_MAX_MARGIN, float(lifetime) / 10)
        self._token = token
        self._refresh_at = self.clock() + float(lifetime) - margin
        return token

    def _refused(self, status: int, data: Any, request: httpx.Request) -> AuthenticationError:
        # Keycloak: {"error": "invalid_client", "error_description": "Invalid client credentials"}
        code = data.get("error") if isinstance(data, dict) else None
        description = data.get("error_description") if isinstance(data, dict) else None
        code = code if isinstance(code, str) else None
        text = f"the token endpoint refused the client credentials ({status}"
        text += f" {code}" if code else ""
        text += f": {description})" if isinstance(description, str) and description else ")"
        if status == 404 or (code or "").lower().startswith("realm"):
            hint = "check the enterprise setting (it names the realm) and auth_url"
        elif code == "invalid_scope":
            hint = "check the scope setting"
        elif 300 <= status < 400:
            hint = "check auth_url: the token endpoint redirected"
        else:
            hint = self._credential_hint
        return self._error(text, status, code, request, hint)

    def _error(
        self, message: str, status: int | None, code: str | None, request: httpx.Request, hint: str
    ) -> AuthenticationError:
        secret = self._client_secret.get_secret_value()
        if secret:
            message = message.replace(secret, "****")
        correlation = request.headers.get(self._correlation_header) if self._correlation_header else None
        return AuthenticationError(
            message,
            provider=self.provider,
            status_code=status,
            vendor_code=code,
            request_id=correlation,
            hint=hint or None,
        )

    # -- the flows -----------------------------------------------------------------------

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._fresh()
        if token is None:
            with self._sync_lock:  # one fetch; the others wait here and find the new token
                token = self._fresh()
                if token is None:
                    response = yield self._token_request()
                    response.read()
                    token = self._accept(response, request)
                    if token is None:
                        return  # transient: the engine sees this response and retries
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        # Expired or revoked early: refresh once (unless another request already did), retry once.
        with self._sync_lock:
            current = self._fresh()
            if current is None or current == token:
                self.invalidate()
                token_response = yield self._token_request()
                token_response.read()
                current = self._accept(token_response, request)
                if current is None:
                    return
        request.headers["Authorization"] = f"Bearer {current}"
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self._fresh()
        if token is None:
            async with self._lock_for_loop():
                token = self._fresh()
                if token is None:
                    response = yield self._token_request()
                    await response.aread()
                    token = self._accept(response, request)
                    if token is None:
                        return
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        async with self._lock_for_loop():
            current = self._fresh()
            if current is None or current == token:
                self.invalidate()
                token_response = yield self._token_request()
                await token_response.aread()
                current = self._accept(token_response, request)
                if current is None:
                    return
        request.headers["Authorization"] = f"Bearer {current}"
        yield request
