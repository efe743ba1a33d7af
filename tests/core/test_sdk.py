"""The SDK surface: typed connections, typed capabilities, per-call options and raw responses."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import httpx
import pytest

import custbridge
import custbridge_augno
import custbridge_pexip
import custbridge_rotor
from custbridge import (
    Capabilities,
    ConfigurationError,
    CustomerInput,
    NotFoundError,
    RawResponse,
    ServerError,
    sandbox,
)
from custbridge.registry import provider_class

ROOT = Path(__file__).resolve().parents[2]
ENGINE_KEYWORDS = ("http_client", "timeout", "max_retries", "max_retry_wait", "backoff", "backoff_max", "on_invalid")
FAST = {"backoff": 0.001, "backoff_max": 0.01}

# --------------------------------------------------------------------------- typed connect


@pytest.mark.parametrize("fn", [custbridge.connect, custbridge.connect_async])
def test_core_connect_names_the_engine_settings(fn: Any) -> None:
    params = inspect.signature(fn).parameters
    for name in ENGINE_KEYWORDS:
        assert name in params, name
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY


ADAPTERS = [
    (custbridge_rotor, ["rotor"]),
    (custbridge_augno, ["augno", "openmrp"]),
    (custbridge_pexip, ["pexip_engage"]),
]


@pytest.mark.parametrize(("module", "names"), ADAPTERS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_adapter_connect_has_every_declared_setting_as_a_keyword(module: Any, names: list[str]) -> None:
    """The typed signature cannot drift from the provider's settings_spec."""
    for fn in (module.connect, module.connect_async):
        params = inspect.signature(fn).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
        for name in names:
            for setting in provider_class(name).settings_spec:
                assert setting.name in params, (fn.__qualname__, setting.name)
        for name in ENGINE_KEYWORDS:
            assert name in params, (fn.__qualname__, name)


@pytest.mark.parametrize(("module", "provider"), [(custbridge_rotor, "rotor"), (custbridge_augno, "augno"),
                                                  (custbridge_pexip, "pexip_engage")])
def test_adapter_connect_reaches_the_sandbox(module: Any, provider: str) -> None:
    app = sandbox.create_app(provider, size=7)
    settings = app.client_settings(app.base_url)
    with httpx.Client(transport=app.transport()) as http, module.connect(http_client=http, max_retries=0,
                                                                         **settings) as client:
        assert client.name == provider
        assert client._core.options.max_retries == 0
        assert len(list(client.list())) == 7


def test_adapter_connect_async_reaches_the_sandbox() -> None:
    app = sandbox.create_app("rotor", size=5)

    async def run() -> int:
        settings = app.client_settings(app.base_url)
        async with httpx.AsyncClient(transport=app.async_transport()) as http, custbridge_rotor.connect_async(
            http_client=http, **settings
        ) as c:
            return len([x async for x in c.list()])

    assert asyncio.run(run()) == 5


def test_engine_keywords_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        custbridge.connect("rotor", api_key="k", max_retries=-1)
    with pytest.raises(ConfigurationError, match="on_invalid"):
        custbridge.connect("rotor", api_key="k", on_invalid="ignore")  # type: ignore[arg-type]


_TYPED_SNIPPET = """\
import custbridge
import custbridge_augno
import custbridge_pexip
import custbridge_rotor

custbridge_rotor.connect(api_kye="x")
custbridge_pexip.connect(enterprize="acme")
custbridge_augno.connect(brand="augnoo")
custbridge.connect("rotor", max_retries="3")
client = custbridge_rotor.connect(api_key="x", timeout=5.0, max_retries=1)
reveal_type(client.capabilities)
client.with_options(max_retrys=0)
client.with_raw_response.get("c").parse().display_name
client.with_raw_response.get("c").parse().colour
"""


def test_mypy_catches_setting_typos(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(_TYPED_SNIPPET, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         "--config-file", str(ROOT / "pyproject.toml"), str(snippet)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "MYPY_FORCE_COLOR": "0"}, timeout=600,
    )
    out = result.stdout
    lines: dict[int, str] = {}
    for line in out.splitlines():
        if line.startswith(str(snippet)):
            number = int(line.split(":")[1])
            lines[number] = lines.get(number, "") + line
    assert 'Unexpected keyword argument "api_kye"' in lines[6], out
    assert 'Unexpected keyword argument "enterprize"' in lines[7], out
    assert "'augnoo'" in lines[8] and '"brand"' in lines[8], out
    assert '"max_retries"' in lines[9] and "int | None" in lines[9], out
    assert 'Revealed type is "custbridge.provider.Capabilities"' in lines[11], out
    assert 'Unexpected keyword argument "max_retrys"' in lines[12], out
    assert 13 not in lines, out  # typed all the way through the raw response
    assert '"Customer" has no attribute "colour"' in lines[14], out


# --------------------------------------------------------------------------- capabilities


def test_capabilities_are_typed() -> None:
    hints = typing.get_type_hints(custbridge.Client.capabilities.fget)  # type: ignore[attr-defined]
    assert hints["return"] is Capabilities
    hints = typing.get_type_hints(custbridge.AsyncClient.capabilities.fget)  # type: ignore[attr-defined]
    assert hints["return"] is Capabilities


def test_unknown_field_name_raises_listing_the_valid_ones() -> None:
    with sandbox.connect("pexip_engage", size=1) as client:
        caps = client.capabilities
        with pytest.raises(ConfigurationError) as info:
            caps.field("colour")
        message = str(info.value)
        assert "unknown canonical field 'colour'" in message
        assert "valid fields:" in message and "email" in message and "credit_limit" in message
        with pytest.raises(ConfigurationError, match="did you mean 'email'"):
            caps.field("emial")
        # every canonical field still answers, including the ones the vendor lacks
        assert caps.field("address") is custbridge.FieldAccess.WRITE
        assert caps.field("website") is custbridge.FieldAccess.UNSUPPORTED


# --------------------------------------------------------------------------- with_options


def test_with_options_shares_the_connection_and_limits() -> None:
    client = sandbox.connect("pexip_engage", size=3)
    fast = client.with_options(timeout=2.5, max_retries=0, on_invalid="skip")
    assert isinstance(fast, custbridge.Client)
    assert fast._http is client._http
    assert fast._semaphore is client._semaphore and fast._semaphore is not None
    assert fast._core.limiter is client._core.limiter
    assert fast._core.auth is client._core.auth
    assert fast._core.provider is client._core.provider
    assert fast._core.options.timeout == 2.5 and fast._core.options.max_retries == 0
    assert fast._core.options.on_invalid == "skip"
    assert client._core.options.max_retries == 2 and client._core.options.on_invalid == "raise"
    assert fast.with_options(backoff=1.5)._core.options.max_retries == 0  # options stack
    first = next(iter(fast.list()))
    fast.close()  # the copy owns nothing: the original's connection stays open
    assert client.get(first.id) == first
    client.close()
    assert client._http.is_closed


def test_with_options_changes_retries_and_timeout_per_call() -> None:
    timeouts: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions.get("timeout"))
        return httpx.Response(500, json={"status": "error", "message": "boom"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = custbridge.connect("rotor", api_key="k", http_client=http, **FAST)
        with pytest.raises(ServerError):
            client.with_options(max_retries=0, timeout=1.5).get("c1")
        assert len(timeouts) == 1
        assert timeouts[0] == {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5}
        timeouts.clear()
        with pytest.raises(ServerError):
            client.get("c1")
        assert len(timeouts) == 3  # the original still retries twice


def test_with_options_rejects_bad_values() -> None:
    with sandbox.connect("rotor", size=1) as client, pytest.raises(ConfigurationError, match="max_retries") as info:
        client.with_options(max_retries=-2)
    assert info.value.operation == "with_options" and info.value.provider == "rotor"


def test_async_with_options() -> None:
    async def run() -> None:
        async with sandbox.connect_async("pexip_engage", size=4) as client:
            slow = client.with_options(timeout=None, max_retries=5)
            assert slow._http is client._http and slow._semaphore is client._semaphore
            assert slow._core.options.timeout is None and slow._core.options.timeout_given
            ids = [c.id async for c in slow.list()]
            assert len(ids) == 4
            await slow.close()
            assert (await client.get(ids[0])).id == ids[0]

    asyncio.run(run())


# --------------------------------------------------------------------------- raw responses


def test_raw_get_has_status_headers_request_id_and_parse() -> None:
    with sandbox.connect("pexip_engage", size=5) as client:
        first = next(iter(client.list()))
        raw = client.with_raw_response.get(first.id)
        assert isinstance(raw, RawResponse)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        assert raw.request_id is not None and raw.request_id == raw.headers.get("x-correlation-id")
        assert raw.parse() == client.get(first.id)
        assert raw.json() is not None and raw.content
        assert len(raw.responses) == 1 and raw.responses[0] is raw.http_response


def test_raw_response_errors_raise_as_usual() -> None:
    with sandbox.connect("rotor", size=2) as client, pytest.raises(NotFoundError):
        client.with_raw_response.get("00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize("provider", ["rotor", "augno", "acme"])
def test_raw_writes(provider: str) -> None:
    with sandbox.connect(provider, size=3) as client:
        caps = client.capabilities
        raw_ops = client.with_raw_response
        if caps.supports("create"):
            wanted = {"first_name": "Raw", "last_name": "Response", "company_name": "Raw Ltd", "email": "raw@example.com"}
            writable = {k: v for k, v in wanted.items() if caps.field(k) is custbridge.FieldAccess.WRITE}
            if caps.field("address") is custbridge.FieldAccess.WRITE:
                writable["address"] = custbridge.Address(line1="1 Raw Street", city="Ghent", postal_code="9000",
                                                         country="BE")
            extra = client.sandbox_app.create_requirements()
            created = raw_ops.create(CustomerInput(**writable, vendor_fields=extra or {}))
            assert 200 <= created.status_code < 300
            customer = created.parse()
            # Augno's default includes (its current docs) do not expand contact info.
            assert customer.email == "raw@example.com" or "email" in customer.not_loaded
        else:
            customer = next(iter(client.list()))
        if caps.supports("update"):
            updated = raw_ops.update(customer.id, CustomerInput(notes="raw notes"))
            assert 200 <= updated.status_code < 300 and updated.parse().notes == "raw notes"
        if caps.supports("upsert"):
            upserted = raw_ops.upsert(CustomerInput(email="raw@example.com", notes="again"))
            assert 200 <= upserted.status_code < 300 and upserted.parse().email == "raw@example.com"
        if caps.supports("delete"):
            deleted = raw_ops.delete(customer.id)
            assert 200 <= deleted.status_code < 300 and deleted.parse() is None


def test_raw_pages_one_response_per_vendor_page() -> None:
    with sandbox.connect("rotor", size=25) as client:
        pages = client.with_raw_response.pages(page_size=10)
        seen = list(pages)
        assert [r.status_code for r in seen] == [200, 200, 200]
        assert [len(r.parse().items) for r in seen] == [10, 10, 5]
        assert {c.key for r in seen for c in r.parse().items} == {c.key for c in client.list()}
        assert pages.errors == []
        assert len({r.url for r in seen}) == 3
        via_list = list(client.with_raw_response.list(page_size=10, max_items=12))
        assert [len(r.parse().items) for r in via_list] == [10, 2]


def test_raw_async_calls_are_isolated_from_each_other() -> None:
    async def run() -> None:
        async with sandbox.connect_async("pexip_engage", size=12) as client:
            ids = [c.id async for c in client.list()]
            raws = await asyncio.gather(*(client.with_raw_response.get(i) for i in ids))
            for customer_id, raw in zip(ids, raws, strict=True):
                assert raw.parse().id == customer_id
                assert len(raw.responses) == 1
                assert customer_id in raw.url
            assert len({r.request_id for r in raws}) == len(ids)
            pages = [r async for r in client.with_raw_response.pages(page_size=5)]
            assert [len(r.parse().items) for r in pages] == [5, 5, 2]

    asyncio.run(run())


def test_plain_calls_capture_nothing() -> None:
    from custbridge._engine import _RESPONSES

    with sandbox.connect("rotor", size=2) as client:
        client.with_raw_response.get(next(iter(client.list())).id)
        assert _RESPONSES.get() is None


def test_raw_pages_take_every_list_argument_and_resume() -> None:
    with sandbox.connect("rotor", size=25) as client:
        plain = list(client.pages(page_size=10))
        raw = list(client.with_raw_response.pages(page_size=10, strict=True))
        assert [[c.key for c in r.parse().items] for r in raw] == [[c.key for c in p.items] for p in plain]
        saved = plain[0].next_cursor
        assert saved is not None
        resumed = list(client.with_raw_response.list(page_size=10, start_cursor=saved))
        assert [c.key for r in resumed for c in r.parse().items] == [c.key for p in plain[1:] for c in p.items]
