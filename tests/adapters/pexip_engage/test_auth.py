"""OAuth2 client credentials: lazy token, caching, expiry mid-list, 401 refresh, no stampede, errors."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

import custbridge
from custbridge import AuthenticationError, ServerError, sandbox
from custbridge_pexip._auth import ClientCredentialsAuth
from custbridge_pexip.sandbox import PexipEngageSandbox

from .conftest import FAST, FakeClock, load


def _app(size: int = 250, **options: Any) -> PexipEngageSandbox:
    app = sandbox.create_app("pexip_engage", size=size, **options)
    assert isinstance(app, PexipEngageSandbox)
    return app


def _auth(client: Any) -> ClientCredentialsAuth:
    auth = client.provider.auth()
    assert isinstance(auth, ClientCredentialsAuth)
    return auth


def test_token_is_fetched_lazily_once_and_reused() -> None:
    app = _app()
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        assert app.token_requests == 0  # connecting sends nothing
        customers = list(client.list())
        client.get(customers[0].id)
    assert len(customers) == 250
    assert app.token_requests == 1
    assert app.requests_served == 4  # 3 pages of 100 + 1 get
    assert app.unauthorized == 0


def test_token_expiry_mid_list_is_refreshed_before_the_next_page(clock: FakeClock) -> None:
    app = _app(clock=clock, token_lifetime=60)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        _auth(client).clock = clock
        pages = client.pages()
        first = next(pages)
        clock.advance(61)  # the token has expired on both sides
        rest = [c for page in pages for c in page.items]
    keys = [c.key for c in [*first.items, *rest]]
    assert len(keys) == len(set(keys)) == 250
    assert app.token_requests == 2
    assert app.unauthorized == 0  # refreshed before sending, not after a 401


def test_token_is_refreshed_shortly_before_it_expires(clock: FakeClock) -> None:
    app = _app(clock=clock, token_lifetime=300)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        _auth(client).clock = clock
        pages = client.pages()
        next(pages)
        clock.advance(271)  # 29 s left: inside the refresh margin, still valid at the server
        assert sum(len(p.items) for p in pages) == 150
    assert app.token_requests == 2
    assert app.unauthorized == 0


def test_server_side_expiry_mid_list_refreshes_once_on_401_and_retries(clock: FakeClock) -> None:
    # Only the server's clock moves: the client still trusts its token, the API says 401.
    app = _app(clock=clock, token_lifetime=300)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        pages = client.pages()
        first = next(pages)
        clock.advance(301)
        rest = [c for page in pages for c in page.items]
    assert len({c.key for c in [*first.items, *rest]}) == 250
    assert app.unauthorized == 1
    assert app.token_requests == 2


def test_revoked_token_is_replaced_once() -> None:
    app = _app()
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        customer = client.get("100001")
        app.revoke_tokens()
        assert client.get("100001").key == customer.key
        assert client.get("100002").id == "100002"
    assert (app.unauthorized, app.token_requests) == (1, 2)


def test_a_second_401_is_an_authentication_error_with_the_correlation_id(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    monkeypatch.setattr(app, "authorized", lambda request: False)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client, pytest.raises(AuthenticationError) as info:
        client.get("100001")
    err = info.value
    assert err.status_code == 401 and err.operation == "get"
    assert err.vendor_code == "UNAUTHORIZED"
    assert "fresh token" in (err.hint or "")
    assert uuid.UUID(err.request_id or "")  # our X-Correlation-Id
    assert (app.unauthorized, app.token_requests) == (2, 2)  # refreshed once, retried once
    assert PexipEngageSandbox.CLIENT_SECRET not in str(err) + repr(err)


@pytest.mark.parametrize(
    ("settings", "code", "hint_words"),
    [
        ({"client_secret": "wrong-secret-1234"}, "invalid_client", "PEXIP_ENGAGE_CLIENT_SECRET"),
        ({"enterprise": "globex"}, "Realm does not exist", "enterprise"),
        ({"scope": "engage:everything"}, "invalid_scope", "scope"),
    ],
)
def test_token_endpoint_refusals_are_authentication_errors(settings: dict[str, str], code: str, hint_words: str) -> None:
    app = _app()
    with sandbox.connect("pexip_engage", app=app, **FAST, **settings) as client, pytest.raises(AuthenticationError) as info:
        list(client.list())
    err = info.value
    assert err.provider == "pexip_engage" and err.operation == "list"
    assert err.vendor_code == code
    assert hint_words in (err.hint or "")
    assert uuid.UUID(err.request_id or "")
    assert app.requests_served == 0  # nothing reached the API
    text = str(err) + repr(err) + repr(client)
    for secret in (PexipEngageSandbox.CLIENT_SECRET, "wrong-secret-1234"):
        assert secret not in text


def test_transient_token_endpoint_failures_are_retried() -> None:
    app = _app(size=5)
    app.token_failures = [503, 429]
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        assert len(list(client.list())) == 5
    assert app.token_requests == 3


def test_persistent_token_endpoint_outage_names_the_token_endpoint() -> None:
    app = _app(size=5)
    app.token_failures = [503] * 5
    with sandbox.connect("pexip_engage", app=app, max_retries=2, **FAST) as client, pytest.raises(ServerError) as info:
        client.get("100001")
    assert "token endpoint" in str(info.value)
    assert app.token_requests == 3 and app.requests_served == 0


def test_threads_sharing_a_client_share_one_token_fetch() -> None:
    app = _app(size=20)
    app.latency = 0.01  # the token fetch takes a while: every thread arrives while it runs
    errors: list[BaseException] = []
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:

        def work(customer_id: str) -> None:
            try:
                client.get(customer_id)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(str(100001 + i),)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert app.token_requests == 1
    assert app.requests_served == 8


def test_concurrent_async_requests_share_one_fetch_and_one_refresh() -> None:
    app = _app(size=40)
    app.latency = 0.002

    async def run() -> None:
        async with sandbox.connect_async("pexip_engage", app=app, **FAST) as client:
            ids = [str(100001 + i) for i in range(20)]
            got = await asyncio.gather(*(client.get(i) for i in ids))
            assert [c.id for c in got] == ids
            assert app.token_requests == 1
            app.revoke_tokens()
            got = await asyncio.gather(*(client.get(i) for i in ids))
            assert [c.id for c in got] == ids

    asyncio.run(run())
    assert app.token_requests == 2  # one refresh for all the 401s
    assert 1 <= app.unauthorized <= 4  # only the requests in flight with the revoked token
    assert app.concurrency_rejections == 0


def test_static_access_token_is_sent_and_never_refreshed() -> None:
    app = _app(size=5)
    token = app.issue_token()
    with sandbox.connect(
        "pexip_engage", app=app, client_id=None, client_secret=None, access_token=token, **FAST
    ) as client:
        assert client.provider.auth() is None
        assert len(list(client.list())) == 5
        app.revoke_tokens()
        with pytest.raises(AuthenticationError) as info:
            client.get("100001")
    assert app.token_requests == 0
    assert "access_token" in (info.value.hint or "") and "client_id" in (info.value.hint or "")
    assert token not in str(info.value) + repr(client) + repr(client.provider.settings)


def test_token_request_and_api_request_on_the_wire() -> None:
    """What goes out: the form, the token URL, Bearer, a fresh correlation id, Accept-Language."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "tok-123456", "expires_in": 300, "token_type": "Bearer"})
        return httpx.Response(200, json=load("get_customer_200.json"))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with custbridge.connect(
        "pexip_engage", http_client=http, enterprise="acme", client_id="my-client", client_secret="s3cret-value",
        scope="engage:customers:readOnly", language="nl", base_url="https://api.development.pexipengage.com",
        auth_url="https://auth.development.pexipengage.com",
    ) as client:
        client.get("123")
        client.get("123")
    http.close()
    token_request, first, second = seen
    assert token_request.method == "POST"
    assert str(token_request.url) == "https://auth.development.pexipengage.com/realms/acme/protocol/openid-connect/token"
    form = {k: v[0] for k, v in parse_qs(token_request.content.decode()).items()}
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "my-client",
        "client_secret": "s3cret-value",
        "scope": "engage:customers:readOnly",
    }
    assert str(first.url) == "https://api.development.pexipengage.com/enterprises/acme/customers/123"
    assert first.headers["authorization"] == "Bearer tok-123456"
    assert first.headers["accept-language"] == "nl"
    ids = {first.headers["x-correlation-id"], second.headers["x-correlation-id"]}
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)


def test_token_response_without_access_token_is_an_authentication_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with custbridge.connect("pexip_engage", http_client=http, enterprise="acme", client_id="c", client_secret="s-123456") as client, pytest.raises(AuthenticationError) as info:
        client.get("1")
    http.close()
    assert "access_token" in str(info.value) and info.value.hint


def test_auth_repr_hides_secret_and_token() -> None:
    app = _app(size=3)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        client.get("100001")
        auth = _auth(client)
        token = next(iter(app.tokens))
        text = repr(auth) + str(auth) + repr(client) + repr(client.provider.settings)
    assert token not in text
    assert PexipEngageSandbox.CLIENT_SECRET not in text
    assert "custbridge-sandbox" in repr(auth)  # the client id is not a secret


def test_logs_never_carry_the_secret_or_a_token(caplog: pytest.LogCaptureFixture, clock: FakeClock) -> None:
    app = _app(size=120, clock=clock)
    caplog.set_level("DEBUG")
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        pages = client.pages()
        next(pages)
        clock.advance(400)  # server-side expiry: a 401, a refresh, a retry
        list(pages)
    with sandbox.connect("pexip_engage", app=app, client_secret="wrong-secret-5678", **FAST) as bad, \
            pytest.raises(AuthenticationError):
        bad.get("100001")
    assert app.token_requests == 3 and caplog.records
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PexipEngageSandbox.CLIENT_SECRET, "wrong-secret-5678", *app.tokens):
        assert secret not in text
