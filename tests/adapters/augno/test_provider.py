"""The provider without the sandbox: settings, headers, request builders, pagination, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import custbridge
import custbridge_augno
from custbridge import (
    Address,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    CustomerInput,
    CustomerStatus,
    ListQuery,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from custbridge_augno import (
    DEFAULT_API_VERSION,
    ApiVersionError,
    AugnoProvider,
    IncludeRefusedError,
    OpenMRPProvider,
)

from ._support import SPEC_ID, TEST_KEY, envelope, load, make_provider, mock_client, spec_example

CUSTOMER = load("docpage-customer-no-includes.json")


def test_public_api_is_pinned() -> None:
    assert custbridge_augno.__all__ == [
        "DEFAULT_API_VERSION", "ApiVersionError", "AugnoProvider", "IncludeRefusedError", "OpenMRPProvider",
        "connect", "connect_async",
    ]
    assert issubclass(OpenMRPProvider, AugnoProvider)


# -- settings and headers -------------------------------------------------------------------


def test_defaults_and_headers() -> None:
    provider = make_provider()
    assert provider.base_url == "https://api.augno.com"
    assert provider.api_version == DEFAULT_API_VERSION == "1.0.forge-preview.3"
    assert provider.headers() == {"Authorization": f"Bearer {TEST_KEY}", "Augno-Version": DEFAULT_API_VERSION}
    assert provider.include_style == "brackets"
    assert provider.rate_limit == custbridge.RateLimit(20, 1.0)
    assert provider.capabilities.max_page_size == 1000


def test_account_header_only_when_set() -> None:
    assert make_provider(account_id="ac_01gf7a8200eaj8fke1xvw4h50x").headers()["Augno-Account"] == (
        "ac_01gf7a8200eaj8fke1xvw4h50x")


def test_openmrp_is_the_same_adapter_with_post_rename_names() -> None:
    provider = make_provider("openmrp", api_version="1.0.forge-preview.2", account_id="acct_1")
    assert provider.name == "openmrp"
    assert provider.base_url == "https://api.openmrp.ai"
    assert provider.headers() == {"Authorization": f"Bearer {TEST_KEY}", "OpenMRP-Version": "1.0.forge-preview.2",
                                  "OpenMRP-Account": "acct_1"}
    assert provider.map_record(CUSTOMER).provider == "openmrp"
    assert provider.map_record(CUSTOMER).key == f"openmrp:{SPEC_ID}"


@pytest.mark.parametrize(
    ("name", "prefix"), [("augno", "AUGNO"), ("openmrp", "OPENMRP")],
)
def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, name: str, prefix: str) -> None:
    monkeypatch.setenv(f"{prefix}_API_KEY", "aug_sk_prod_envkey000000000000")
    monkeypatch.setenv(f"{prefix}_BASE_URL", "https://eu.example.test")
    monkeypatch.setenv(f"{prefix}_VERSION", "1.0.forge-preview.1")
    monkeypatch.setenv(f"{prefix}_ACCOUNT", "ac_9")
    monkeypatch.setenv(f"{prefix}_INCLUDE", "contact_info,type")
    monkeypatch.setenv(f"{prefix}_INCLUDE_STYLE", "comma")
    monkeypatch.setenv(f"{prefix}_DEFAULT_CARRIER_ID", "cr_9")
    monkeypatch.setenv(f"{prefix}_COMPLETE_ADDRESSES", "off")
    with custbridge.connect(name) as client:
        provider = client.provider
        assert isinstance(provider, AugnoProvider)
        assert provider.base_url == "https://eu.example.test"
        assert provider.api_version == "1.0.forge-preview.1" and provider.legacy
        assert provider.includes == ("contact_info", "type")
        assert provider.include_style == "comma" and provider.address_mode == "off"
        assert provider.settings["account_id"] == "ac_9"
        assert provider.settings["default_carrier_id"] == "cr_9"
        assert provider.settings.source("api_key") == f"env:{prefix}_API_KEY"


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="OPENMRP_API_KEY"):
        custbridge.connect("openmrp")


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [("api_version", "latest", "api_version"), ("include", ["contact_info", "emails"], "emails"),
     ("include_style", "semicolon", "brackets"), ("default_carrier_id", "  ", "default_carrier_id")],
)
def test_invalid_settings(setting: str, value: Any, words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("augno", api_key=TEST_KEY, **{setting: value})
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("key", "shown"),
    [(TEST_KEY, "key=aug_sk_test_**** (vendor sandbox)"),
     ("aug_sk_prod_0123456789abcdef", "key=aug_sk_prod_**** (production)"),
     ("something-else-entirely", "key=****")],
)
def test_key_mode_is_surfaced_masked(key: str, shown: str) -> None:
    with custbridge.connect("augno", api_key=key) as client:
        text = repr(client)
        assert shown in text
        assert key not in text and key[12:] not in text


# -- request builders -------------------------------------------------------------------------


def _params(req: custbridge.HttpRequest) -> list[tuple[str, str]]:
    return list(req.params)


def test_get_request_asks_for_the_includes() -> None:
    req = make_provider(include=["contact_info", "type"]).get_request("ac_1/../x")
    assert req.method == "GET" and req.path == ("v1", "sales", "customers", "ac_1/../x")
    assert _params(req) == [("include[]", "contact_info"), ("include[]", "type")]


def test_comma_style() -> None:
    provider = make_provider(include="contact_info,type", include_style="comma")
    assert _params(provider.get_request("ac_1")) == [("include", "contact_info,type")]
    req = provider.list_request(ListQuery(page_size=5, vendor_filters={"carrier_ids": ["cr_1", "cr_2"]}), None)
    assert ("carrier_ids", "cr_1,cr_2") in _params(req)


def test_list_request_maps_the_canonical_filters() -> None:
    query = ListQuery(
        search="acme", status=(CustomerStatus.ON_HOLD,), page_size=250,
        created_after=datetime(2026, 1, 1, tzinfo=UTC),
        created_before=datetime(2026, 2, 1, tzinfo=UTC),
    )
    params = _params(make_provider(include=[]).list_request(query, None))
    assert params == [
        ("limit", "250"), ("q", "acme"), ("status_codes[]", "hold_shipment"), ("status_codes[]", "hold_all"),
        ("starts_at", "2026-01-01T00:00:00Z"),
        ("ends_at", "2026-01-31T23:59:59.999999Z"),  # ends_at is inclusive, created_before is not
    ]


def test_list_request_april_names() -> None:
    provider = make_provider(api_version="1.0.forge-preview.1", include=[])
    query = ListQuery(page_size=10, created_after=datetime(2026, 1, 1, tzinfo=UTC),
                      vendor_filters={"parent_account_status": "parent"})
    assert _params(provider.list_request(query, None)) == [
        ("limit", "10"), ("start_date", "2026-01-01T00:00:00Z"), ("is_parent_account", "true")]


def test_list_request_vendor_filters() -> None:
    query = ListQuery(page_size=10, vendor_filters={
        "city": "Columbus", "state": "OH", "postal_code": "43204", "customer_group_ids": "acgp_1",
        "sales_rep_ids": ("us_1", "us_2"), "status_codes": ["preferred"], "parent_account_status": "non_parent"})
    params = _params(make_provider(include=[]).list_request(query, None))
    assert params == [("limit", "10"), ("status_codes[]", "preferred"), ("city", "Columbus"), ("state", "OH"),
                      ("postal_code", "43204"), ("customer_group_ids[]", "acgp_1"), ("sales_rep_ids[]", "us_1"),
                      ("sales_rep_ids[]", "us_2"), ("parent_account_status", "non_parent")]
    with pytest.raises(ConfigurationError, match="parent_account_status"):
        make_provider().list_request(ListQuery(vendor_filters={"parent_account_status": "yes"}), None)


def test_status_and_status_codes_intersect() -> None:
    query = ListQuery(page_size=10, status=(CustomerStatus.ACTIVE,), vendor_filters={"status_codes": ["preferred"]})
    assert ("status_codes[]", "preferred") in _params(make_provider().list_request(query, None))


def test_writes_carry_an_idempotency_key() -> None:
    provider = make_provider(customer_type_group_id="acgp_1", default_carrier_id="cr_1",
                             default_payment_term_id="pytm_1", default_shipping_term_id="shtm_1")
    data = CustomerInput(company_name="A", address=custbridge.Address(country="US"))
    first, second = provider.create_request(data), provider.create_request(data)
    assert first.method == "POST" and first.idempotent is True and first.safe_to_retry
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]
    mine = provider.update_request("ac_1", CustomerInput(notes="x", vendor_fields={"idempotency_key": "order-42"}))
    assert mine.method == "PATCH" and mine.headers == {"Idempotency-Key": "order-42"} and mine.idempotent
    assert mine.json == {"note": "x"}
    delete = provider.delete_request("ac_1")
    assert delete.method == "DELETE" and "Idempotency-Key" not in delete.headers


# -- pagination (MockTransport) ---------------------------------------------------------------


def _page(ids: list[str], info: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"object": "list", "page_info": info,
                                     "data": [{**CUSTOMER, "id": i} for i in ids]})


def test_follows_next_page_url_against_the_base_url() -> None:
    seen: list[httpx.URL] = []
    link = "/v1/sales/customers?limit=2&include%5B%5D=contact_info&cursor=ac_2"

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if "cursor" not in request.url.params:
            return _page(["ac_1", "ac_2"], {"next_page_url": link, "previous_page_url": None,
                                            "has_next_page": True, "has_prev_page": False})
        return _page(["ac_3"], {"next_page_url": "/v1/sales/customers?cursor=ac_3", "previous_page_url": link,
                                "has_next_page": False, "has_prev_page": True})

    with mock_client(handler, include=["contact_info"], base_url="https://eu.example.test") as client:
        assert [c.id for c in client.list(page_size=2)] == ["ac_1", "ac_2", "ac_3"]
    assert str(seen[1]) == "https://eu.example.test" + link  # the vendor's query, as given
    assert len(seen) == 2  # has_next_page false wins over a non-null link


def test_follows_next_cursor_of_the_april_shape() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.params.get("cursor") == "ac_2":
            return _page(["ac_3"], {"next_cursor": None, "prev_cursor": "x", "has_next_page": False,
                                    "has_prev_page": True})
        return _page(["ac_1", "ac_2"], {"next_cursor": "ac_2", "prev_cursor": None, "has_next_page": True,
                                        "has_prev_page": False})

    with mock_client(handler, include=[]) as client:
        assert [c.id for c in client.list(page_size=2, search="a")] == ["ac_1", "ac_2", "ac_3"]
    assert seen[1].params.get("q") == "a" and seen[1].params.get("limit") == "2"


def test_inconsistent_page_info_is_a_pagination_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _page(["ac_1"], {"has_next_page": True})

    with mock_client(handler) as client, pytest.raises(PaginationError, match="has_next_page"):
        list(client.list())


def test_a_next_link_to_another_host_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _page(["ac_1"], {"next_page_url": "https://evil.example/v1/sales/customers?cursor=x",
                                "has_next_page": True})

    with mock_client(handler) as client, pytest.raises(PaginationError, match="another host"):
        list(client.list())


def test_a_repeated_link_is_a_pagination_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _page([f"ac_{len(str(request.url))}"], {"next_page_url": "/v1/sales/customers?cursor=same",
                                                      "has_next_page": True})

    with mock_client(handler) as client, pytest.raises(PaginationError):
        list(client.list())


def test_a_status_no_vendor_code_maps_to_lists_nothing() -> None:
    calls: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        return _page(["ac_1"], {"next_page_url": "/x?cursor=1", "has_next_page": True})

    with mock_client(handler) as client:
        assert list(client.list(status="inactive")) == []
        assert list(client.list(status="active", status_codes=["hold_all"])) == []
        assert list(client.list(status_codes=[])) == []
    assert calls == []  # nothing can match: no request is sent at all


def test_not_a_list_envelope_is_a_mapping_error() -> None:
    with mock_client(lambda r: httpx.Response(200, json={"data": "nope"})) as client, \
            pytest.raises(custbridge.MappingError, match=r"\$\.data"):
        list(client.list())


@pytest.mark.parametrize(
    ("body", "path"),
    [({"object": "list"}, "$.data"),  # a missing key is named at its own path
     ({"data": [], "page_info": {"has_next_page": "yes"}}, "$.page_info.has_next_page"),
     ([CUSTOMER], "$")],
)
def test_an_envelope_of_the_wrong_shape_names_its_json_path(body: Any, path: str) -> None:
    with mock_client(lambda r: httpx.Response(200, json=body)) as client, \
            pytest.raises(custbridge.MappingError) as info:
        list(client.list())
    assert [p for p, _ in info.value.paths] == [path] and info.value.operation == "list"


def test_a_record_of_the_wrong_shape_fails_alone_in_its_list() -> None:
    """Each record of a page is decoded on its own: under on_invalid="collect" the others map,
    and the bad one is reported with its id and the vendor-key JSON path."""
    bad = {**CUSTOMER, "id": "ac_bad", "type": {"id": "acgp_1", "type": 7}}  # the vendor key, not group_type
    page = {"object": "list", "page_info": {"next_page_url": None, "has_next_page": False},
            "data": [{**CUSTOMER, "id": "ac_1"}, bad, {**CUSTOMER, "id": "ac_3"}]}
    with mock_client(lambda r: httpx.Response(200, json=page), include=["type"]) as client:
        collected = client.list(on_invalid="collect")
        customers = list(collected)
        with pytest.raises(custbridge.MappingError) as info:
            list(client.list())
    assert [c.id for c in customers] == ["ac_1", "ac_3"]
    [error] = collected.errors
    assert error.index == 1 and error.record_id == "ac_bad" and error.operation == "list"
    assert [path for path, _ in error.paths] == ["$.type.type"]
    assert info.value.record_id == "ac_bad" and info.value.paths == error.paths
    # Customer.raw is the vendor's record as sent (kept as its JSON, decoded when read).
    assert [dict(c.raw) for c in customers] == [page["data"][0], page["data"][2]]


# -- errors (MockTransport) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls", "retryable"),
    [(404, "resource_not_found", NotFoundError, False),
     (410, "resource_gone", NotFoundError, False),
     (401, "api_key_expired", AuthenticationError, False),
     (401, "api_key_revoked", AuthenticationError, False),
     (403, "insufficient_permissions", PermissionDeniedError, False),
     (400, "validation_failed", BadRequestError, False),
     (422, "parameter_unknown", BadRequestError, False),
     (409, "resource_conflict", ConflictError, False),
     (409, "idempotency_in_progress", ConflictError, True),
     (429, "rate_limit_exceeded", RateLimitError, True),
     (500, "internal_error", ServerError, True),
     (502, "external_service_error", ServerError, True),
     (400, "api_version_invalid", ApiVersionError, False),
     (402, "payment_required", ProviderError, False),
     (403, "limit_exceeded", PermissionDeniedError, False),
     (418, "brand_new_code", ProviderError, False)],
)
def test_error_classes(status: int, code: str, cls: type[ProviderError], retryable: bool) -> None:
    transient = code in ("idempotency_in_progress", "rate_limit_exceeded", "internal_error", "external_service_error")
    response = envelope(status, code, "vendor says no", is_transient=transient, param="email",
                        request_log_url="https://dashboard.example/logs/req_1",
                        quota={"limit": 5, "used": 5, "reset_at": None} if code == "limit_exceeded" else None)
    with mock_client(lambda r: response, max_retries=0) as client, pytest.raises(ProviderError) as info:
        client.get("ac_1")
    err = info.value
    assert type(err) is cls
    assert err.status_code == status and err.vendor_code == code and err.message == "vendor says no"
    assert err.retryable is retryable
    assert err.details["param"] == "email"
    assert err.details["request_log_url"] == "https://dashboard.example/logs/req_1"
    assert err.details["type"] == "invalid_request_error"
    assert err.provider == "augno" and err.operation == "get"
    if code == "limit_exceeded":
        assert err.details["quota"]["limit"] == 5


def test_version_errors_are_configuration_errors_with_a_hint() -> None:
    response = envelope(400, "api_version_too_old", "Augno-Version '1.0.forge-preview.0' is no longer supported.")
    with mock_client(lambda r: response, api_version="1.0.forge-preview.1") as client, \
            pytest.raises(ConfigurationError) as info:
        client.get("ac_1")
    err = info.value
    assert isinstance(err, ApiVersionError) and isinstance(err, BadRequestError)
    assert err.hint is not None and "api_version" in err.hint and "AUGNO_VERSION" in err.hint
    assert "Augno-Version" in err.hint and "'1.0.forge-preview.1'" in err.hint


def test_openmrp_version_hint_names_its_header() -> None:
    with mock_client(lambda r: envelope(400, "api_version_required"), "openmrp") as client, \
            pytest.raises(ApiVersionError) as info:
        client.get("ac_1")
    assert "OpenMRP-Version" in str(info.value) and "OPENMRP_VERSION" in str(info.value)


@pytest.mark.parametrize(("operation", "permission"), [("get", "customers:read and suppliers:read"),
                                                       ("delete", "customers:delete")])
def test_permission_hint_names_the_permission(operation: str, permission: str) -> None:
    with mock_client(lambda r: envelope(403, "insufficient_permissions")) as client, \
            pytest.raises(PermissionDeniedError) as info:
        client.get("ac_1") if operation == "get" else client.delete("ac_1")
    assert permission in str(info.value)


def test_expired_key_hint_and_no_secret() -> None:
    with mock_client(lambda r: envelope(401, "api_key_expired", f"key {TEST_KEY} expired")) as client, \
            pytest.raises(AuthenticationError) as info:
        client.get("ac_1")
    text = str(info.value)
    assert "AUGNO_API_KEY" in text and TEST_KEY not in text and "****" in text


def test_429_waits_for_ratelimit_reset_when_no_retry_after() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return envelope(429, "rate_limit_exceeded", is_transient=True,
                            headers={"RateLimit-Limit": "20", "RateLimit-Remaining": "0", "RateLimit-Reset": "0"})
        return httpx.Response(200, json=CUSTOMER)

    with mock_client(handler) as client:
        assert client.get("ac_1").id == SPEC_ID
    assert len(calls) == 2

    with mock_client(lambda r: envelope(429, "rate_limit_exceeded", is_transient=True,
                                        headers={"RateLimit-Reset": "7", "RateLimit-Remaining": "0"}),
                     max_retries=0) as client, pytest.raises(RateLimitError) as info:
        client.get("ac_1")
    assert info.value.retry_after == 7
    assert info.value.details["rate_limit"] == {"RateLimit-Remaining": "0", "RateLimit-Reset": "7"}


def test_not_the_envelope_falls_back_to_the_status() -> None:
    with mock_client(lambda r: httpx.Response(404, text="<html>nope</html>")) as client, \
            pytest.raises(NotFoundError) as info:
        client.get("ac_1")
    assert info.value.vendor_code is None


def test_write_retried_with_the_same_key_and_replay_is_not_an_error() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return envelope(503, "service_unavailable", is_transient=True)
        return httpx.Response(200, json=CUSTOMER, headers={"Idempotent-Replayed": "true"})

    with mock_client(handler) as client:
        assert client.update("ac_1", CustomerInput(notes="x")).id == SPEC_ID
    assert len(keys) == 2 and keys[0] == keys[1]


def test_deterministic_write_errors_are_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return envelope(409, "resource_conflict", "Customer has 2 sales orders.")

    with mock_client(handler) as client, pytest.raises(ConflictError, match="sales orders"):
        client.update("ac_1", CustomerInput(notes="x"))
    assert len(calls) == 1


# -- address completion (MockTransport) ------------------------------------------------------------

SPEC_ADDRESS = spec_example("/v1/sales/addresses/{id}", "get", "200")
"""The spec's address example (April shape: ``is_drop_ship``; geolocation filled)."""


def _customer_with_addresses(cid: str, bill: str, ship: str) -> dict[str, Any]:
    """A current-shape customer as the retrieve page documents it: addresses without geolocation."""
    def address(aid: str) -> dict[str, Any]:
        return {"id": aid, "object": "address", "name": f"Site {aid}", "phone": None, "email": None,
                "type": "standard", "geolocation": None, "created_at": "2026-05-10T00:00:00Z",
                "updated_at": "2026-05-10T00:00:00Z"}
    return {**CUSTOMER, "id": cid, "bill_to_address": address(bill), "ship_to_address": address(ship)}


def _address(aid: str, city: str = "Columbus") -> dict[str, Any]:
    geo = {**SPEC_ADDRESS["geolocation"], "locality": city}
    return {**SPEC_ADDRESS, "id": aid, "name": f"Site {aid}", "geolocation": geo}


class _Vendor:
    """Customers ``ac_0..`` (bill ``ad_b<i>``, ship ``ad_s<i>``) and an address book in pages."""

    def __init__(self, customers: int, address_page: int = 3, missing: frozenset[str] = frozenset(),
                 address_status: int = 200, april: bool = False) -> None:
        self.customers = [_customer_with_addresses(f"ac_{i}", f"ad_b{i}", f"ad_s{i}") for i in range(customers)]
        self.book = [a for i in range(customers) for a in (f"ad_b{i}", f"ad_s{i}") if a not in missing]
        self.address_page, self.address_status, self.april = address_page, address_status, april
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.seen.append(path if path != "/v1/sales/addresses" else f"{path}?{request.url.query.decode()}")
        if path.startswith("/v1/sales/addresses"):
            if self.address_status != 200:
                return envelope(self.address_status, "insufficient_permissions", "no access")
            if path != "/v1/sales/addresses":
                aid = path.rsplit("/", 1)[1]
                if aid not in self.book:
                    return envelope(404, "resource_not_found", f"No such address: {aid!r}.", param="id")
                return httpx.Response(200, json=_address(aid))
            start = int(request.url.params.get("cursor", "0"))
            chunk = self.book[start:start + self.address_page]
            more = start + self.address_page < len(self.book)
            nxt = str(start + self.address_page) if more else None
            info = ({"next_cursor": nxt, "prev_cursor": None, "has_next_page": more, "has_prev_page": False}
                    if self.april else
                    {"next_page_url": f"/v1/sales/addresses?limit=1000&cursor={nxt}" if nxt else None,
                     "previous_page_url": None, "has_next_page": more, "has_prev_page": False})
            return httpx.Response(200, json={"object": "list", "page_info": info,
                                             "data": [_address(a) for a in chunk]})
        if path == "/v1/sales/customers":
            start = int(request.url.params.get("cursor", "0"))
            size = int(request.url.params["limit"])
            more = start + size < len(self.customers)
            return httpx.Response(200, json={
                "object": "list", "data": self.customers[start:start + size],
                "page_info": {"next_cursor": str(start + size) if more else None, "has_next_page": more}})
        cid = path.rsplit("/", 1)[1]
        return httpx.Response(200, json=next(c for c in self.customers if c["id"] == cid))


def test_get_completes_each_distinct_address_by_id() -> None:
    vendor = _Vendor(2)
    vendor.customers[1]["ship_to_address"] = vendor.customers[1]["bill_to_address"]  # one address for both
    with mock_client(vendor) as client:
        c = client.get("ac_0")
        assert c.billing_address == c.address == Address(
            name="Site ad_b0", line1="4200 Industrial Pkwy", city="Columbus", region="OH", postal_code="43204",
            country="US")
        assert c.shipping_address is not None and c.shipping_address.name == "Site ad_s0"
        assert not {"billing_address", "address", "shipping_address"} & c.not_loaded
        assert vendor.seen == ["/v1/sales/customers/ac_0", "/v1/sales/addresses/ad_b0", "/v1/sales/addresses/ad_s0"]
        vendor.seen.clear()
        client.get("ac_1")
        assert vendor.seen == ["/v1/sales/customers/ac_1", "/v1/sales/addresses/ad_b1"]


def test_list_scans_the_address_book_once_then_fetches_stragglers_by_id() -> None:
    vendor = _Vendor(7, address_page=4)
    with mock_client(vendor) as client:
        customers = list(client.list(page_size=3))
    assert [c.billing_address.name if c.billing_address else None for c in customers] == [
        f"Site ad_b{i}" for i in range(7)]
    assert all(c.shipping_address is not None for c in customers)
    scans = [s for s in vendor.seen if s.startswith("/v1/sales/addresses?")]
    by_id = [s for s in vendor.seen if s.startswith("/v1/sales/addresses/")]
    # auto: the first page reads one scan page (4 addresses) and fetches its other 2 by id (<= 20 missing);
    # later pages find what was read ahead and fetch the rest by id: never one request per customer and role.
    assert scans == ["/v1/sales/addresses?limit=1000"]
    assert len(by_id) == 14 - 4


class _VendorWithABadAddress(_Vendor):
    """The address list also holds an address of the wrong shape (``bad``) that no customer uses."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = super().__call__(request)
        if request.url.path != "/v1/sales/addresses":
            return response
        body = response.json()
        body["data"].append({"id": "ad_bad", "object": "address", "geolocation": {"country": 49}})
        return httpx.Response(200, json=body)


def test_an_address_of_the_wrong_shape_matters_only_to_a_customer_that_needs_it() -> None:
    vendor = _VendorWithABadAddress(2, address_page=10)
    with mock_client(vendor) as client:
        customers = list(client.list())
        assert all(c.billing_address is not None and c.shipping_address is not None for c in customers)
        vendor.customers[1]["ship_to_address"]["id"] = "ad_bad"
        with pytest.raises(custbridge.MappingError) as info:
            list(client.list())
    assert info.value.record_id == "ad_bad" and [p for p, _ in info.value.paths] == ["$.geolocation.country"]


def test_an_address_list_of_the_wrong_shape_names_its_json_path() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sales/addresses":
            return httpx.Response(200, json={"object": "list", "data": {"id": "ad_b0"}})
        return _Vendor(1)(request)

    with mock_client(handler) as client, pytest.raises(custbridge.MappingError) as info:
        list(client.list())
    assert [p for p, _ in info.value.paths] == ["$.data"] and "address list" in str(info.value)


def test_scan_mode_follows_the_address_pages_and_scans_each_only_once() -> None:
    vendor = _Vendor(7, address_page=4, april=True)
    with mock_client(vendor, complete_addresses="scan") as client:
        customers = list(client.list(page_size=3))
    assert all(c.billing_address is not None and c.shipping_address is not None for c in customers)
    scans = [s for s in vendor.seen if s.startswith("/v1/sales/addresses?")]
    assert scans == ["/v1/sales/addresses?limit=1000", "/v1/sales/addresses?limit=1000&cursor=4",
                     "/v1/sales/addresses?limit=1000&cursor=8", "/v1/sales/addresses?limit=1000&cursor=12"]
    assert not [s for s in vendor.seen if s.startswith("/v1/sales/addresses/")]


def test_by_id_mode_and_a_deleted_address_stays_not_loaded() -> None:
    vendor = _Vendor(2, missing=frozenset({"ad_s1"}))
    with mock_client(vendor, complete_addresses="by_id") as client:
        customers = list(client.list(page_size=5))
    assert not [s for s in vendor.seen if s.startswith("/v1/sales/addresses?")]
    assert customers[1].billing_address is not None and customers[1].shipping_address is None
    assert "shipping_address" in customers[1].not_loaded and "billing_address" not in customers[1].not_loaded


def test_a_large_page_scans_on_until_its_addresses_are_found() -> None:
    vendor = _Vendor(30, address_page=10, missing=frozenset({"ad_b29"}))
    with mock_client(vendor) as client:
        customers = list(client.list(page_size=30))
    scans = [s for s in vendor.seen if s.startswith("/v1/sales/addresses?")]
    by_id = [s for s in vendor.seen if s.startswith("/v1/sales/addresses/")]
    # 60 wanted, 10 a scan page: scanning goes on while more than 20 are missing, then by id.
    assert len(scans) == 4 and len(by_id) == 20 and "/v1/sales/addresses/ad_b29" in by_id
    assert customers[29].billing_address is None and "billing_address" in customers[29].not_loaded  # 404
    assert all(c.billing_address is not None for c in customers[:29])


def test_off_sends_no_address_request() -> None:
    vendor = _Vendor(3)
    with mock_client(vendor, complete_addresses=False) as client:
        customers = list(client.list(page_size=5))
    assert vendor.seen == ["/v1/sales/customers"]
    assert all(c.billing_address is None and "billing_address" in c.not_loaded for c in customers)


def test_a_refused_address_endpoint_says_how_to_switch_completion_off() -> None:
    vendor = _Vendor(1, address_status=403)
    with mock_client(vendor) as client, pytest.raises(PermissionDeniedError) as info:
        client.get("ac_0")
    assert "complete_addresses='off'" in (info.value.hint or "") and "AUGNO_COMPLETE_ADDRESSES" in (info.value.hint or "")


@pytest.mark.parametrize(("value", "mode"), [("auto", "auto"), ("SCAN", "scan"), ("by_id", "by_id"), ("off", "off"),
                                             ("false", "off"), ("1", "auto"), (True, "auto"), (False, "off")])
def test_complete_addresses_setting(value: Any, mode: str) -> None:
    assert make_provider(complete_addresses=value).address_mode == mode


def test_complete_addresses_setting_rejects_nonsense() -> None:
    with pytest.raises(ConfigurationError) as info:
        make_provider(complete_addresses="sometimes")
    assert "complete_addresses" in str(info.value)


def test_capabilities_state_the_cost_of_completion() -> None:
    notes = make_provider().capabilities.notes
    assert "20 req/s" in notes["billing_address"] and "complete_addresses='off'" in notes["billing_address"]
    assert "/v1/sales/addresses" in notes["billing_address"]


# -- a refused include ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "refused"),
    [("Invalid include value 'contact_info'. Valid values: bill_to_address, ship_to_address, type.",
      ["contact_info"]),
     ("include contains an unsupported value", ["contact_info", "credit_limit"]),  # not named: the undocumented
     ("credit_limit is not expandable on this endpoint", ["credit_limit"])],
)
def test_a_refused_include_names_the_value_and_the_setting(message: str, refused: list[str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return envelope(400, "parameter_invalid", message, param="include[]")

    with mock_client(handler, include=["type", "contact_info", "credit_limit"]) as client, \
            pytest.raises(IncludeRefusedError) as info:
        client.get("ac_1")
    err = info.value
    assert isinstance(err, BadRequestError) and isinstance(err, ConfigurationError) and not err.retryable
    assert err.details["include"] == refused
    assert all(repr(name) in err.message for name in refused)
    assert "AUGNO_INCLUDE" in (err.hint or "") and "bill_to_address, ship_to_address, type" in (err.hint or "")


def test_another_bad_parameter_is_not_an_include_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return envelope(400, "parameter_invalid", "limit must be between 1 and 1000.", param="limit")

    with mock_client(handler) as client, pytest.raises(BadRequestError) as info:
        list(client.list())
    assert not isinstance(info.value, IncludeRefusedError)
