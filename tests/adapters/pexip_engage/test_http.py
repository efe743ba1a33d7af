"""HTTP behaviour through the sandbox: settings, update, list, errors, the 4-concurrent cap."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    Address,
    AddressText,
    ConfigurationError,
    ConflictError,
    CustomerInput,
    CustomerStatus,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnsupportedOperationError,
    sandbox,
)
from custbridge.errors import AuthenticationError, BadRequestError, ProviderError
from custbridge_pexip.sandbox import PexipEngageSandbox

from .conftest import FAST, make_provider, response


def _app(size: int = 60, **options: Any) -> PexipEngageSandbox:
    app = sandbox.create_app("pexip_engage", size=size, **options)
    assert isinstance(app, PexipEngageSandbox)
    return app


# --------------------------------------------------------------------------- settings


def test_missing_credentials_name_both_options_and_their_variables() -> None:
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("pexip_engage", enterprise="acme")
    text = str(info.value)
    for word in ("client_id", "client_secret", "access_token", "PEXIP_ENGAGE_CLIENT_ID",
                 "PEXIP_ENGAGE_CLIENT_SECRET", "PEXIP_ENGAGE_ACCESS_TOKEN"):
        assert word in text
    assert info.value.operation == "connect"


def test_incomplete_client_credentials_name_the_missing_half() -> None:
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("pexip_engage", enterprise="acme", client_id="c")
    assert "client_secret" in str(info.value) and "PEXIP_ENGAGE_CLIENT_SECRET" in str(info.value)


def test_missing_enterprise_names_its_variable() -> None:
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("pexip_engage", access_token="t-1234")
    assert "PEXIP_ENGAGE_ENTERPRISE" in str(info.value)


def test_settings_fall_back_to_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "PEXIP_ENGAGE_ENTERPRISE": "globex",
        "PEXIP_ENGAGE_CLIENT_ID": "env-client",
        "PEXIP_ENGAGE_CLIENT_SECRET": "env-secret-9999",
        "PEXIP_ENGAGE_BASE_URL": "https://api.development.pexipengage.com/",
        "PEXIP_ENGAGE_AUTH_URL": "https://auth.development.pexipengage.com",
        "PEXIP_ENGAGE_LANGUAGE": "FR",
        "PEXIP_ENGAGE_PAGE_SIZE": "50",
        "PEXIP_ENGAGE_LIST_PATH": "/enterprises/{enterprise}/customers/search",
        "PEXIP_ENGAGE_SCOPE": "engage:customers:readOnly",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with custbridge.connect("pexip_engage") as client:
        provider: Any = client.provider
        assert provider.enterprise == "globex"
        assert provider.language == "fr"
        assert provider.page_size == 50
        assert provider.base_url == "https://api.development.pexipengage.com"
        assert provider.token_url == "https://auth.development.pexipengage.com/realms/globex/protocol/openid-connect/token"
        assert provider.settings.source("client_secret") == "env:PEXIP_ENGAGE_CLIENT_SECRET"
        assert provider.headers() == {"Accept-Language": "fr"}
        assert "env-secret-9999" not in repr(provider.settings) + repr(client)
        assert "client-credentials" in repr(client)


def test_client_credentials_win_over_a_static_token() -> None:
    provider = make_provider(client_id="c", client_secret="s-1234")
    assert provider.auth() is not None
    assert "Authorization" not in provider.headers()


def test_default_hosts() -> None:
    provider = make_provider()
    assert provider.base_url == "https://api.pexipengage.com"
    assert provider.token_url == "https://auth.pexipengage.com/realms/acme/protocol/openid-connect/token"
    assert provider.headers() == {"Authorization": "Bearer test-token-0000"}
    assert provider.max_concurrency == 4
    assert provider.rate_limit is not None and (provider.rate_limit.requests, provider.rate_limit.per_seconds) == (3000, 60)
    assert provider.correlation_header == "X-Correlation-Id"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"auth_url": "http://auth.example.com"}, "auth_url"),
        ({"base_url": "http://api.example.com"}, "base_url"),
        ({"language": "xx"}, "language"),
        ({"page_size": 0}, "page_size"),
        ({"list_path": "/customers?x=1"}, "list_path"),
        ({"list_path": "/../admin"}, "list_path"),
        ({"enterprise": "  "}, "enterprise"),
    ],
)
def test_invalid_settings_are_configuration_errors(settings: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_provider(**settings)
    assert words in str(info.value)


# --------------------------------------------------------------------------- list


def test_list_uses_the_largest_page_and_includes_soft_deleted_customers() -> None:
    app = _app(size=250)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        customers = list(client.list())
        active = list(client.list(status="active"))
    assert len(customers) == 250
    assert app.requests_served == math.ceil(250 / 100) * 2
    deleted = [c for c in customers if c.status is CustomerStatus.DELETED]
    assert deleted and all(c.deleted_at is not None for c in deleted)
    assert all(c.deleted_at is None for c in customers if c.status is CustomerStatus.ACTIVE)
    assert len(active) == 250 - len(deleted)


def test_list_when_the_vendor_caps_the_page_below_the_asked_limit() -> None:
    app = _app(size=95, max_limit=40)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        keys = [c.key for c in client.list()]
    assert len(keys) == len(set(keys)) == 95
    assert app.requests_served == 3


def test_emulated_search_and_vendor_external_id_filter() -> None:
    app = _app(size=30)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        everyone = list(client.list())
        target = next(c for c in everyone if c.external_id)
        found = list(client.list(search=target.last_name))
        assert target.key in {c.key for c in found}
        assert all(target.last_name.casefold() in (c.display_name + (c.last_name or "")).casefold() for c in found)  # type: ignore[union-attr]
        by_ext = list(client.list(external_id=[target.external_id]))
        assert [c.key for c in by_ext] == [target.key]
        with pytest.raises(UnsupportedOperationError):
            list(client.list(tags=["vip"]))


def test_wrong_list_path_says_to_check_the_setting() -> None:
    with sandbox.connect("pexip_engage", size=5, list_path="/customers", **FAST) as client, pytest.raises(NotFoundError) as info:
        list(client.list())
    assert "list_path" in (info.value.hint or "")


def test_preferred_language_reaches_the_vendor_and_the_mapping() -> None:
    app = _app(size=200)
    with sandbox.connect("pexip_engage", app=app, **FAST) as plain, \
         sandbox.connect("pexip_engage", app=app, language="fr", **FAST) as french:
        by_id = {c.id: c for c in plain.list()}
        brussels = [c for c in french.list() if c.address and c.address.postal_code == "1000"]
    assert brussels
    for customer in brussels:
        assert customer.address is not None and by_id[customer.id].address is not None
        # "Apt 30" exists only in the address's own language: then the address claims none.
        assert customer.address.language == ("fr" if customer.address.line2 is None else None)
        assert customer.address.city == "Bruxelles"
        assert by_id[customer.id].address.city == "Brussel"  # type: ignore[union-attr]
        assert by_id[customer.id].address.in_language("fr").city == "Bruxelles"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- update


def test_update_sends_only_set_fields_and_null_clears() -> None:
    app = _app(size=5)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        before = client.get("100001")
        after = client.update("100001", CustomerInput(first_name="Jan", notes="", email=None, vendor_fields={"existing": True}))
    assert after.first_name == "Jan"
    assert after.notes is None and after.email is None
    assert after.last_name == before.last_name
    assert after.extras["existing"] is True
    stored = app.customers["100001"]
    assert stored["notes"] is None and stored["email"] is None
    assert after.updated_at is not None and before.updated_at is not None and after.updated_at > before.updated_at


def test_update_address_in_several_languages_then_read_it_in_each() -> None:
    app = _app(size=5)
    address = Address(
        line1="Korenmarkt 1", city="Gent", region="Oost-Vlaanderen", postal_code="9000", country="BE",
        language="nl", translations={"fr": AddressText(line1="Marché aux Grains 1", city="Gand"),
                                     "ja": AddressText(city="ゲント")},
    )
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        updated = client.update("100002", CustomerInput(address=address))
    with sandbox.connect("pexip_engage", app=app, language="fr", **FAST) as french:
        in_french = french.get("100002")
    assert updated.address is not None and in_french.address is not None
    assert (updated.address.line1, updated.address.city, updated.address.language) == ("Korenmarkt 1", "Gent", "nl")
    assert updated.address.formatted == "Korenmarkt 1, 9000 Gent, BE"
    assert updated.address.latitude is not None  # kept from before (the vendor requires one)
    assert (in_french.address.line1, in_french.address.city, in_french.address.region) == (
        "Marché aux Grains 1", "Gand", "Oost-Vlaanderen")
    assert updated.address.in_language("ja").city == "ゲント"
    assert set(updated.address.translations) == {"nl", "fr", "ja"}


def test_update_can_clear_the_location() -> None:
    app = _app(size=5)
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        assert client.update("100001", CustomerInput(address=None)).address is None
    assert app.customers["100001"]["location"] is None


def test_update_conflict_is_retried() -> None:
    app = _app(size=5)
    app.conflicts = 1
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        assert client.update("100001", CustomerInput(last_name="Retry")).last_name == "Retry"
    assert app.conflicts == 0


def test_persistent_conflict_is_a_retryable_conflict_error_with_correlation_id() -> None:
    app = _app(size=5)
    app.conflicts = 10
    with sandbox.connect("pexip_engage", app=app, max_retries=2, **FAST) as client, pytest.raises(ConflictError) as info:
        client.update("100001", CustomerInput(last_name="X"))
    err = info.value
    assert err.retryable is True and err.status_code == 409 and err.vendor_code == "CONFLICT"
    assert uuid.UUID(err.request_id or "")
    assert app.conflicts == 7  # 1 try + 2 retries


def test_read_only_scope_makes_update_a_permission_error_naming_the_scope() -> None:
    app = _app(size=5, scope="engage:customers:readOnly")
    with sandbox.connect("pexip_engage", app=app, **FAST) as client:
        client.get("100001")
        with pytest.raises(PermissionDeniedError) as info:
            client.update("100001", CustomerInput(first_name="No"))
    assert "engage:customers:readWrite" in (info.value.hint or "")


def test_unknown_customer_is_not_found_with_the_correlation_id() -> None:
    with sandbox.connect("pexip_engage", size=5, **FAST) as client, pytest.raises(NotFoundError) as info:
        client.get("does/not?exist")
    err = info.value
    assert (err.status_code, err.vendor_code, err.operation) == (404, "NOT_FOUND", "get")
    assert uuid.UUID(err.request_id or "")
    assert "does/not?exist" in err.message  # the id travelled as one path segment


def test_undocumented_operations_are_unsupported_plainly() -> None:
    with sandbox.connect("pexip_engage", size=5, **FAST) as client:
        for call in (lambda: client.create(CustomerInput(first_name="A")),
                     lambda: client.delete("100001"),
                     lambda: client.upsert(CustomerInput(first_name="A"))):
            with pytest.raises(UnsupportedOperationError) as info:
                call()
            assert "get, list, update" in str(info.value)
        with pytest.raises(UnsupportedOperationError):
            client.update("100001", CustomerInput(status=CustomerStatus.DELETED))
        with pytest.raises(UnsupportedOperationError):
            client.update("100001", CustomerInput(tags=("vip",)))


# --------------------------------------------------------------------------- error envelope


def _error(status: int, *items: dict[str, str]) -> ProviderError | None:
    return make_provider().parse_error(response({"errors": list(items)}, status), "get")


def test_error_envelope_by_status_refined_by_code() -> None:
    err = _error(400, {"message": "Invalid email", "code": "VALIDATION_ERROR", "type": "CLIENT_ERROR", "statusCode": "400"})
    assert isinstance(err, BadRequestError)
    assert (err.message, err.vendor_code, err.details) == ("Invalid email", "VALIDATION_ERROR", {"type": "CLIENT_ERROR"})
    assert "do not retry" in (err.hint or "")
    refined = _error(400, {"message": "gone", "code": "not-found", "type": "x", "statusCode": "404"})
    assert isinstance(refined, NotFoundError)
    assert refined.details["statusCode"] == "404"  # kept: it disagrees with HTTP
    unknown = _error(418, {"message": "teapot", "code": "string", "type": "string", "statusCode": "string"})
    assert type(unknown) is ProviderError and unknown.vendor_code == "string"


def test_error_envelope_with_several_errors_keeps_them_all() -> None:
    err = _error(400, {"message": "a", "code": "VALIDATION_ERROR", "type": "t", "statusCode": "400"},
                 {"message": "b", "code": "VALIDATION_ERROR", "type": "t", "statusCode": "400"})
    assert err is not None and err.message == "a (+1 more)"
    assert [e["message"] for e in err.details["errors"]] == ["a", "b"]


def test_409_is_retryable_and_401_has_a_credential_hint() -> None:
    conflict = _error(409, {"message": "busy", "code": "string", "type": "string", "statusCode": "409"})
    assert isinstance(conflict, ConflictError) and conflict.retryable
    unauthorized = _error(401, {"message": "expired", "code": "string", "type": "string", "statusCode": "401"})
    assert isinstance(unauthorized, AuthenticationError) and "access_token" in (unauthorized.hint or "")
    limited = _error(429, {"message": "slow down", "code": "string", "type": "string", "statusCode": "429"})
    assert isinstance(limited, RateLimitError) and limited.retryable and "4 concurrent" in (limited.hint or "")


def test_non_envelope_bodies_fall_back_to_the_engine_default() -> None:
    provider = make_provider()
    assert provider.parse_error(response("<html>502</html>", 502), "get") is None
    assert provider.parse_error(response({"errors": []}, 500), "get") is None


# --------------------------------------------------------------------------- the 4-concurrent cap


def test_async_client_stays_within_the_vendor_concurrency_cap() -> None:
    app = _app(size=300)
    app.latency = 0.002  # requests overlap, so the cap is really tested

    async def run() -> tuple[list[int], list[str]]:
        async with sandbox.connect_async("pexip_engage", app=app, **FAST) as client:

            async def count(**kw: Any) -> int:
                return len([c async for c in client.list(page_size=25, **kw)])

            async def get(customer_id: str) -> str:
                return (await client.get(customer_id)).id

            ids = [str(100001 + i) for i in range(0, 300, 10)]
            results = await asyncio.gather(count(), count(status="deleted"), count(), *(get(i) for i in ids))
            counts, got = results[:3], results[3:]
            return [int(c) for c in counts], [str(g) for g in got]

    counts, got = asyncio.run(run())
    assert counts[0] == counts[2] == 300 and 0 < counts[1] < 300
    assert got == [str(100001 + i) for i in range(0, 300, 10)]
    assert app.max_in_flight == 4  # saturated, never above
    assert app.concurrency_rejections == 0


def test_the_sandbox_refuses_a_fifth_concurrent_request() -> None:
    app = _app(size=5)
    app.latency = 0.002
    token = app.issue_token()

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=app.async_transport(), base_url=app.base_url) as http:
            headers = {"Authorization": f"Bearer {token}"}
            return await asyncio.gather(*(http.get("/enterprises/acme/customers/100001", headers=headers) for _ in range(8)))

    responses = asyncio.run(run())
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 4 + [429] * 4
    limited = next(r for r in responses if r.status_code == 429).json()
    assert limited == {"errors": [{"message": "Too many requests", "code": "TOO_MANY_REQUESTS",
                                   "type": "CLIENT_ERROR", "statusCode": "429"}]}
    assert app.concurrency_rejections == 4
