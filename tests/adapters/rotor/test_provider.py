"""The Rotor provider: settings, requests it describes, retries and the error mapping."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    Address,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    Customer,
    CustomerInput,
    CustomerStatus,
    FieldAccess,
    ListQuery,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
    Support,
    UnsupportedOperationError,
)
from custbridge_rotor import RotorProvider
from custbridge_rotor.sandbox import RotorSandbox

from ._support import FAST, Recorder, make_provider, response
from .conftest import load

KEY = "rotor_k3yid_s3cr3tValueThatMustNotLeak"


def _static(*answers: tuple[int, Any]) -> tuple[custbridge.Client, list[httpx.Request]]:
    """A client whose transport answers ``answers`` in turn (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        status, payload = answers[min(len(seen), len(answers)) - 1]
        if isinstance(payload, bytes):
            return httpx.Response(status, content=payload, headers={"content-type": "text/html"})
        return httpx.Response(status, json=payload)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = custbridge.connect("rotor", http_client=http, api_key=KEY, **FAST)
    client._owned.append(http.close)
    return client, seen


# --------------------------------------------------------------------------- settings


def test_exports_are_pinned() -> None:
    import custbridge_rotor

    assert custbridge_rotor.__all__ == ["RotorProvider"]
    assert issubclass(custbridge.registry.provider_class("rotor"), RotorProvider)
    assert "rotor" in custbridge.providers()


def test_missing_key_names_the_argument_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROTOR_API_KEY", raising=False)
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("rotor")
    text = str(info.value)
    assert "api_key" in text and "ROTOR_API_KEY" in text


def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTOR_API_KEY", KEY)
    monkeypatch.setenv("ROTOR_BASE_URL", "https://rotor.example.test/open-api")
    with custbridge.connect("rotor") as client:
        assert client.provider.base_url == "https://rotor.example.test/open-api"
        assert client.provider.settings.source("api_key") == "env:ROTOR_API_KEY"
        assert client.provider.headers()["x-api-key"] == KEY
        assert KEY not in repr(client) and KEY not in repr(client.provider.settings)


def test_defaults() -> None:
    provider = make_provider()
    assert provider.base_url == "https://api.getrotor.com/open-api"
    assert provider.api_version == "1.1.0"
    assert provider.headers() == {"x-api-key": "rotor_test_key", "rotor-api-version": "1.1.0"}
    assert provider.default_page_size == 1000
    assert "api_version=1.1.0" in provider.describe()
    assert make_provider(api_version="1.2.0").headers()["rotor-api-version"] == "1.2.0"


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("rotor", api_key="  ")
    assert "api_key" in str(info.value)


def test_capabilities() -> None:
    caps = make_provider().capabilities
    assert caps.supported_operations() == ["get", "list", "create", "update", "upsert"]
    assert not caps.supports("delete")
    assert caps.filters["search"] is Support.NATIVE
    assert caps.filters["status"] is Support.NATIVE
    assert caps.filters["tags"] is Support.NATIVE
    assert caps.filters["created_after"] is Support.UNSUPPORTED
    assert caps.filters["created_before"] is Support.UNSUPPORTED
    assert caps.vendor_filters == ("archived",)
    assert caps.max_page_size == 1000
    for field in ("first_name", "last_name", "company_name", "email", "phone", "status", "address",
                  "billing_address", "tags", "notes"):
        assert caps.field(field) is FieldAccess.WRITE, field
    assert caps.field("created_at") is FieldAccess.READ
    assert caps.field("vendor_status") is FieldAccess.READ
    assert caps.field("display_name") is FieldAccess.EMULATED
    for field in ("number", "external_id", "website", "shipping_address", "language", "time_zone",
                  "credit_limit", "updated_at", "deleted_at"):
        assert caps.field(field) is FieldAccess.UNSUPPORTED, field


# --------------------------------------------------------------------------- requests


def test_every_request_carries_the_key_and_the_version_header() -> None:
    rec = Recorder(RotorSandbox(size=3))
    with rec.client() as client:
        customers = list(client.list())
        client.get(customers[0].id)
        client.update(customers[0].id, CustomerInput(notes="hello"))
    assert len(rec.requests) == 3
    for request in rec.requests:
        assert request.headers["x-api-key"] == RotorSandbox.API_KEY
        assert request.headers["rotor-api-version"] == "1.1.0"
        assert request.headers["accept"] == "application/json"
        assert str(request.url).startswith("https://api.getrotor.com/open-api/customers")


def test_an_id_is_always_one_path_segment() -> None:
    rec = Recorder(RotorSandbox(size=1))
    with rec.client() as client, pytest.raises(NotFoundError):
        client.get("../a/b?c")
    assert rec.requests[0].url.raw_path == b"/open-api/customers/..%2Fa%2Fb%3Fc"


def _params(query: ListQuery, cursor: Any = None) -> list[tuple[str, str]]:
    return list(make_provider().list_request(query, cursor).params)


def test_list_parameters() -> None:
    assert _params(ListQuery(page_size=1000)) == [("page", "1"), ("limit", "1000")]
    assert _params(ListQuery(page_size=50), 3) == [("page", "3"), ("limit", "50")]
    assert _params(ListQuery(page_size=10, search="smith", status=(CustomerStatus.INACTIVE,),
                             tags=("vip", "residential"), vendor_filters={"archived": True})) == [
        ("page", "1"), ("limit", "10"), ("search", "smith"), ("status", "inactive"),
        ("tags", "vip,residential"), ("archived", "true"),
    ]
    both = ListQuery(page_size=10, status=(CustomerStatus.ACTIVE, CustomerStatus.INACTIVE))
    assert _params(both) == [("page", "1"), ("limit", "10")]
    assert ("archived", "false") in _params(ListQuery(page_size=10, vendor_filters={"archived": "False"}))


def test_the_default_page_is_the_largest_rotor_allows() -> None:
    rec = Recorder(RotorSandbox(size=5))
    with rec.client() as client:
        assert len(list(client.list())) == 5
        assert len(list(client.list(page_size=5000))) == 5
    assert [r.url.params["limit"] for r in rec.requests] == ["1000", "1000"]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"tags": ["a,b"]}, UnsupportedOperationError, "comma"),
        ({"archived": "maybe"}, ConfigurationError, "archived"),
        ({"created_after": datetime(2024, 1, 1, tzinfo=timezone.utc)}, UnsupportedOperationError, "created_after"),
        ({"created_before": datetime(2024, 1, 1, tzinfo=timezone.utc)}, UnsupportedOperationError, "created_before"),
        ({"updated_since": "2024"}, UnsupportedOperationError, "updated_since"),
    ],
)
def test_filters_rotor_cannot_express_are_refused_before_any_request(
    kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    rec = Recorder(RotorSandbox(size=3))
    with rec.client() as client, pytest.raises(error) as info:
        list(client.list(**kwargs))
    assert words in str(info.value) and "rotor" in str(info.value)
    assert rec.requests == []


def test_unsupported_filter_errors_name_what_is_supported() -> None:
    with _static((200, {}))[0] as client, pytest.raises(UnsupportedOperationError) as info:
        list(client.list(created_after=datetime(2024, 1, 1, tzinfo=timezone.utc)))
    assert "search" in str(info.value) and "archived" in str(info.value)


def _post(req: Any) -> dict[str, Any]:
    assert req.method == "POST" and req.path == ("customers",)
    body: dict[str, Any] = req.json
    return body


def test_write_bodies_map_every_writable_field() -> None:
    data = CustomerInput(
        first_name="Ann", last_name="Lee", company_name="Acme", email="ann@example.com",
        phone="+12125550100", status=CustomerStatus.INACTIVE, notes="Gate 4", tags=("vip", "new"),
        address=Address(line1="1 Main St", line2="Apt 2", city="Austin", region="TX",
                        postal_code="78701", country="US", latitude=30.2, longitude=-97.7),
        billing_address=Address(line1="PO Box 9", city="Austin", region="TX", postal_code="78702",
                                country="US"),
        vendor_fields={"source": "website", "service_type": "lawn", "service_frequency": "weekly",
                       "billing_same_as_property": False},
    )
    req = make_provider().upsert_request(data)
    assert req.idempotent is False
    assert _post(req) == {
        "first_name": "Ann", "last_name": "Lee", "company_name": "Acme", "email": "ann@example.com",
        "phone": "+12125550100", "status": "inactive", "notes": "Gate 4", "tags": ["vip", "new"],
        "property_street1": "1 Main St", "property_street2": "Apt 2", "property_city": "Austin",
        "property_state": "TX", "property_zip": "78701", "property_country": "US",
        "billing_street1": "PO Box 9", "billing_city": "Austin", "billing_state": "TX",
        "billing_zip": "78702", "billing_country": "US",
        "source": "website", "service_type": "lawn", "service_frequency": "weekly",
        "billing_same_as_property": False,
    }


def test_upsert_with_an_id_is_an_idempotent_update() -> None:
    req = make_provider().upsert_request(CustomerInput(id="c-1", notes="x"))
    assert req.idempotent is True and req.safe_to_retry
    assert _post(req) == {"id": "c-1", "notes": "x"}


def test_update_is_upsert_with_the_id() -> None:
    provider = make_provider()
    req = provider.update_request("c-1", CustomerInput(first_name="Bo"))
    assert req.idempotent is True
    assert _post(req) == {"id": "c-1", "first_name": "Bo"}
    assert _post(provider.update_request("c-1", CustomerInput(id="c-1"))) == {"id": "c-1"}
    with pytest.raises(ConfigurationError):
        provider.update_request("c-1", CustomerInput(id="c-2"))


def test_create_keeps_match_keys_out_of_the_post_and_adds_them_by_id() -> None:
    provider = make_provider()
    data = CustomerInput(first_name="A", phone="+3247000000", email="a@example.com")
    first = provider.create_request(data)
    assert first.idempotent is False
    assert _post(first) == {"first_name": "A"}
    written = Customer(provider="rotor", id="c-9")
    follow = provider.follow_up_request("create", data, written)
    assert follow is not None and follow.idempotent is True
    assert _post(follow) == {"id": "c-9", "phone": "+3247000000", "email": "a@example.com"}
    assert provider.follow_up_request("create", CustomerInput(first_name="A"), written) is None
    assert provider.follow_up_request("upsert", data, written) is None
    with pytest.raises(ConfigurationError):
        provider.create_request(CustomerInput(id="c-1", first_name="A"))


def test_create_sends_a_body_that_cannot_match_and_drops_none() -> None:
    req = make_provider().create_request(
        CustomerInput(first_name="A", phone=None, email=None, notes=None, tags=("x",),
                      vendor_fields={"source": "import"})
    )
    assert req.idempotent is False
    assert _post(req) == {"first_name": "A", "tags": ["x"], "source": "import"}


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (CustomerInput(notes=None), UnsupportedOperationError, "cannot clear notes"),
        (CustomerInput(tags=()), UnsupportedOperationError, "merges tags"),
        (CustomerInput(tags=None), UnsupportedOperationError, "cannot clear tags"),
        (CustomerInput(status=CustomerStatus.ON_HOLD), UnsupportedOperationError, "on_hold"),
        (CustomerInput(address=None), UnsupportedOperationError, "cannot clear address"),
        (CustomerInput(vendor_fields={"colour": "red"}), UnsupportedOperationError, "colour"),
        (CustomerInput(vendor_fields={"id": "x"}), UnsupportedOperationError, "CustomerInput.id"),
        (CustomerInput(vendor_fields={"billing_same_as_property": "yes"}), ConfigurationError, "bool"),
        (CustomerInput(first_name=3), ConfigurationError, "first_name"),  # type: ignore[arg-type]
        (CustomerInput(tags="vip"), ConfigurationError, "tags"),  # type: ignore[arg-type]
        (CustomerInput(address="1 Main St"), ConfigurationError, "Address"),  # type: ignore[arg-type]
    ],
)
def test_writes_rotor_cannot_do_are_refused(data: CustomerInput, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        make_provider().update_request("c-1", data)
    assert words in str(info.value)


def test_refused_writes_send_nothing() -> None:
    app = RotorSandbox(size=2)
    rec = Recorder(app)
    with rec.client() as client:
        with pytest.raises(UnsupportedOperationError):
            client.create(CustomerInput(first_name="A", notes=None, tags=()))
        with pytest.raises(UnsupportedOperationError) as info:
            client.update("x", CustomerInput(website="https://example.com"))
        assert "website" in str(info.value)
        with pytest.raises(UnsupportedOperationError) as info:
            client.delete("x")
        assert "rotor" in str(info.value)
    assert rec.requests == []
    assert app.creates == 0


def test_upsert_id_must_be_a_non_empty_string() -> None:
    with pytest.raises(ConfigurationError):
        make_provider().upsert_request(CustomerInput(id=" "))


# --------------------------------------------------------------------------- pagination


def test_pagination_follows_has_more_then_total_then_a_full_page() -> None:
    provider = make_provider()
    q = ListQuery(page_size=2)
    rec = [{"id": "a"}, {"id": "b"}]
    assert provider.parse_page(response(200, {"data": rec, "pagination": {"has_more": False, "total": 99}}), q, 1).next_cursor is None
    assert provider.parse_page(response(200, {"data": rec, "pagination": {"has_more": True}}), q, 4).next_cursor == 5
    assert provider.parse_page(response(200, {"data": rec, "pagination": {"total": 5, "limit": 2}}), q, 2).next_cursor == 3
    assert provider.parse_page(response(200, {"data": rec, "pagination": {"total": 4, "limit": 2}}), q, 2).next_cursor is None
    assert provider.parse_page(response(200, {"data": rec}), q, None).next_cursor == 2
    assert provider.parse_page(response(200, {"data": rec[:1]}), q, None).next_cursor is None
    empty = provider.parse_page(response(200, {"data": [], "pagination": {"has_more": True, "total": 9}}), q, 5)
    assert empty.next_cursor is None and empty.records == [] and empty.total == 9
    assert provider.parse_page(response(200, {"status": "success"}), q, None).records == []


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "fixture", "cls", "code"),
    [
        (401, "error_401.json", AuthenticationError, "AUTHENTICATION_REQUIRED"),
        (403, "error_403.json", PermissionDeniedError, "INSUFFICIENT_SCOPE"),
        (404, "error_404.json", NotFoundError, None),
        (429, "error_429.json", RateLimitError, "RATE_LIMIT_EXCEEDED"),
        (500, "error_500.json", ServerError, None),
        (400, "error_400.json", BadRequestError, None),
    ],
)
def test_documented_errors_map_to_the_error_tree(status: int, fixture: str, cls: type[ProviderError],
                                                 code: str | None) -> None:
    payload = load(fixture)
    error = make_provider().parse_error(response(status, payload), "get")
    assert type(error) is cls
    assert error.vendor_code == code
    assert error.status_code == status
    assert error.message.startswith(payload["message"])


def test_error_codes_refine_the_status() -> None:
    provider = make_provider()
    err = provider.parse_error(response(400, load("error_429.json")), "list")
    assert isinstance(err, RateLimitError)
    assert provider.parse_error(response(502, "<html>"), "list") is None
    assert provider.parse_error(response(500, {"unrelated": 1}), "list") is None
    odd = provider.parse_error(response(401, {"status": "error", "message": 7, "error_code": "X"}), "get")
    assert isinstance(odd, AuthenticationError) and odd.vendor_code == "X"


def test_authentication_error_says_to_set_the_key_and_hides_it() -> None:
    client, seen = _static((401, load("error_401.json")))
    with client, pytest.raises(AuthenticationError) as info:
        client.get("c-1")
    err = info.value
    assert "ROTOR_API_KEY" in (err.hint or "")
    assert "rotor get: 401 AUTHENTICATION_REQUIRED Authentication required" in str(err)
    assert KEY not in str(err) and KEY not in repr(err)
    assert len(seen) == 1


def test_permission_error_keeps_the_scope() -> None:
    client, _ = _static((403, load("error_403.json")))
    with client, pytest.raises(PermissionDeniedError) as info:
        list(client.list())
    assert info.value.details["scope"] == "leads:read"
    assert "leads:read" in str(info.value)


def test_daily_quota_is_raised_at_once_and_says_it_is_daily() -> None:
    client, seen = _static((429, load("error_429.json")))
    with client:
        for call in (lambda: client.get("c-1"), lambda: list(client.list()),
                     lambda: client.update("c-1", CustomerInput(notes="x"))):
            with pytest.raises(RateLimitError) as info:
                call()
            err = info.value
            assert err.retryable is False
            assert "per day" in err.message and "Daily API key request limit of 1000 exceeded" in err.message
            assert err.details["daily_limit"] == 1000
            assert "reset" in (err.hint or "")
    assert len(seen) == 3  # one request per call: never retried


def test_a_burst_429_that_is_not_the_daily_quota_is_retried() -> None:
    client, seen = _static((429, {"status": "error", "message": "Too many requests"}),
                           (200, load("retrieve_http.json")))
    with client:
        assert client.get("c-1").extras["is_auto_pay"] is True
    assert len(seen) == 2


def test_not_found() -> None:
    client, _ = _static((404, load("error_404.json")))
    with client, pytest.raises(NotFoundError) as info:
        client.get("c-1")
    assert "Not found" in str(info.value) and info.value.hint


def test_validation_errors_keep_the_field_errors() -> None:
    client, seen = _static((400, load("error_400.json")))
    with client, pytest.raises(BadRequestError) as info:
        client.upsert(CustomerInput(email="not-an-email"))
    err = info.value
    assert err.details["errors"] == [{"field": "email", "message": "Invalid email"},
                                     {"field": "status", "message": "must be one of active, inactive"}]
    assert "email: Invalid email" in str(err)
    assert len(seen) == 1


def test_server_errors_are_retried_only_when_safe() -> None:
    client, seen = _static((500, load("error_500.json")))
    with client:
        with pytest.raises(ServerError):
            client.get("c-1")
        assert len(seen) == 3  # GET: retried twice
        seen.clear()
        with pytest.raises(ServerError):
            client.upsert(CustomerInput(first_name="A", phone="+12125550100"))
        assert len(seen) == 1  # a POST without id is never resent
        seen.clear()
        with pytest.raises(ServerError):
            client.update("c-1", CustomerInput(first_name="A"))
        assert len(seen) == 3  # by id: idempotent


def test_a_lost_answer_to_a_matching_upsert_is_not_resent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("lost", request=request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with custbridge.connect("rotor", http_client=http, api_key=KEY, **FAST) as client:
        with pytest.raises(custbridge.TransportError):
            client.upsert(CustomerInput(first_name="A"))
        assert len(seen) == 1
        with pytest.raises(custbridge.TransportError):
            client.upsert(CustomerInput(id="c-1", first_name="A"))
        assert len(seen) == 4
    http.close()


def test_a_success_status_with_an_error_envelope_is_an_error() -> None:
    client, _ = _static((200, {"status": "error", "message": "Not found"}))
    with client, pytest.raises(ProviderError) as info:
        client.get("c-1")
    assert "Not found" in str(info.value)


def test_an_html_gateway_page_still_gives_the_status_class() -> None:
    client, _ = _static((502, b"<html><body>Bad Gateway</body></html>"))
    with client, pytest.raises(ServerError) as info:
        client.get("c-1")
    assert info.value.status_code == 502 and "Bad Gateway" in str(info.value)


def test_create_that_rotor_reports_as_an_update_is_a_conflict() -> None:
    answer = {**load("upsert_response.json"), "message": "Customer updated successfully"}
    client, _ = _static((200, answer))
    with client, pytest.raises(ConflictError) as info:
        client.create(CustomerInput(first_name="A"))
    assert info.value.details["id"] == "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def test_json_body_is_sent_as_json() -> None:
    client, seen = _static((201, load("upsert_response.json")))
    with client:
        created = client.create(CustomerInput(first_name="Zoë"))
    assert created.extras["upsert_outcome"] == "created"
    assert seen[0].headers["content-type"] == "application/json"
    assert json.loads(seen[0].content) == {"first_name": "Zoë"}


def test_field_errors_that_echo_the_key_are_scrubbed() -> None:
    echo = {"status": "error", "message": f"Validation failed for {KEY}",
            "errors": [{"field": "x-api-key", "message": f"bad value {KEY}"}]}
    client, _ = _static((400, echo))
    with client, pytest.raises(BadRequestError) as info:
        client.get("c-1")
    err = info.value
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in str(err.details)
    assert err.details["errors"] == [{"field": "x-api-key", "message": "bad value ****"}]
