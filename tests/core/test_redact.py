"""The redaction module (``custbridge._redact``) and the inert outputs (issue 10, points 1 and 6)."""

from __future__ import annotations

import base64
import builtins
import html
import io
import json
import logging
import pickle
import re
import traceback
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custbridge
from custbridge import Customer, CustomerStatus, MappingError, ProviderError
from custbridge._inert import inert
from custbridge._redact import MASK, Redactor, _Table, register
from custbridge.reporting import open_writer, read_csv
from custbridge.testing.vcr import REDACTED, cassette_config, scrub_text

SECRET = "sk_live/Ab+c=d&e%f\"g'h\\i"
USER = "api-client"


def _encodings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "as given": secret,
        "quote": quote(secret, safe=""),
        "quote /": quote(secret),
        "quote_plus": quote_plus(secret),
        "lower-case hex": re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        "json": json.dumps(secret)[1:-1],
        "json \\/": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "repr": repr(secret)[1:-1],
        "html": html.escape(secret),
        "base64": base64.b64encode(raw).decode(),
        "base64 urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "basic user:pass": base64.b64encode(f"{USER}:{secret}".encode()).decode(),
        "basic u:pass": base64.b64encode(f"u:{secret}".encode()).decode(),
        "basic us:pass": base64.b64encode(f"us:{secret}".encode()).decode(),
        "double-encoded": quote(quote(secret, safe=""), safe=""),
        "repr of json": repr(json.dumps(secret))[2:-2],
    }


def _redactor(*secrets: str) -> Redactor:
    return Redactor(lambda: list(secrets))


def _core(secret: str) -> str:
    return secret[3:-3]


@pytest.mark.parametrize("encoding", list(_encodings(SECRET)))
def test_every_encoding_is_masked(encoding: str) -> None:
    form = _encodings(SECRET)[encoding]
    text = f"vendor said: {form} (twice: {form})"
    clean = _redactor(SECRET)(text)
    assert form not in clean and MASK in clean
    if encoding.startswith(("base64", "basic")):
        decoded = base64.b64decode(clean.split(": ", 1)[1].split(" ")[0] + "==", altchars=b"-_", validate=False)
        assert SECRET.encode() not in decoded
    else:
        assert "Ab+c" not in clean and "Ab%2Bc" not in clean


def test_a_secret_cut_off_at_the_end_is_masked() -> None:
    redact = _redactor("tok_0123456789abcdef")
    assert redact("body: {\"token\": \"tok_01234567…") == "body: {\"token\": \"****…"
    assert redact("hint: token 'xx tok_0123456789a'") == "hint: token 'xx ****'"
    # a short common prefix of a secret is not taken for it
    assert redact("the provider tok_") == "the provider tok_"


def test_short_secrets_are_not_searched() -> None:
    assert _redactor("ab", "")("ab cd") == "ab cd"


def test_deep_data_900_levels_keys_and_values() -> None:
    data: Any = "leaf " + SECRET
    for level in range(900):
        data = {f"k{level} {SECRET}": data, "list": [SECRET, (SECRET, quote_plus(SECRET))], "n": level}
    clean = _redactor(SECRET).deep(data)
    text = json.dumps(clean)
    assert "Ab+c" not in text and "Ab%2Bc" not in text
    # shape kept: tuples stay tuples, numbers stay numbers
    assert clean["n"] == 899 and clean["list"][1] == (MASK, MASK)


def test_deep_data_with_cycles_and_objects() -> None:
    loop: dict[str, Any] = {"secret": SECRET}
    loop["self"] = loop

    class Odd:
        def __repr__(self) -> str:
            return f"Odd({SECRET})"

    clean = _redactor(SECRET).deep({"loop": loop, "odd": Odd(), "bytes": SECRET.encode()})
    assert clean["loop"]["self"] is clean["loop"] and clean["loop"]["secret"] == MASK
    assert clean["odd"] == f"Odd({MASK})" and clean["bytes"] == MASK.encode()


def test_colliding_keys_are_kept_apart() -> None:
    clean = _redactor(SECRET).deep({SECRET: 1, quote(SECRET, safe=""): 2})
    assert sorted(clean.values()) == [1, 2] and all(SECRET not in k for k in clean)


def test_each_string_is_scrubbed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear in the data: one scan per string, whatever the nesting."""
    calls = []
    original = _Table.scrub

    def counting(self: _Table, text: str) -> str:
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(_Table, "scrub", counting)
    data = [{"a": "x" * 10, "b": ["y" * 10] * 5} for _ in range(2000)]
    _redactor(SECRET).deep(data)
    assert len(calls) == 2000 * (2 + 1 + 5)  # two keys, one string value, five list items


class VendorFault(Exception):
    """A foreign exception whose text does not come from ``args``."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__("vendor fault")
        self._payload = payload

    def __str__(self) -> str:
        return f"fault {self._payload!r}"


Group: Any = getattr(builtins, "ExceptionGroup", None)


@pytest.mark.skipif(Group is None, reason="exception groups are Python 3.11+")
def test_error_chain_causes_contexts_groups_and_notes() -> None:
    redact = _redactor(SECRET)
    try:
        try:
            try:
                raise VendorFault({"key": quote_plus(SECRET)})
            except VendorFault as inner:
                raise Group("many", [KeyError(SECRET), ValueError(json.dumps(SECRET))]) from inner
        except Group as group:
            err = ProviderError(
                f"failed with {SECRET}",
                vendor_code=f"E_{SECRET}",
                request_id=quote(SECRET),
                details={SECRET: [{"deep": SECRET}]},
                body_snippet=SECRET[:12] + "…",
                hint=SECRET,
            )
            err.add_note(f"note {SECRET}")
            raise err from group
    except ProviderError as exc:
        caught = exc
    redact.error(caught)
    text = "".join(traceback.format_exception(caught))
    fields = repr(caught.__dict__)
    assert "Ab+c" not in text + fields and "Ab%2Bc" not in text + fields, text
    assert "VendorFault" in text and "KeyError" in text  # the chain is still there
    assert isinstance(caught.__cause__, Group)
    assert isinstance(caught.__cause__.__cause__, VendorFault)  # same type: isinstance still works
    revived = pickle.loads(pickle.dumps(caught.__cause__.__cause__))
    assert "fault" in str(revived) and "Ab+c" not in str(revived) and "Ab%2Bc" not in str(revived)


def test_mapping_error_paths_reasons_and_record_id() -> None:
    err = MappingError(
        f"bad {SECRET}", record_id=f"id-{SECRET}", paths=[(f"$.{SECRET}", f"got {quote_plus(SECRET)}")]
    )
    _redactor(SECRET).error(err)
    assert err.record_id == f"id-{MASK}" and err.paths == ((f"$.{MASK}", f"got {MASK}"),)
    assert "Ab+c" not in str(err)


def test_credentials_learned_from_requests() -> None:
    redact = Redactor(lambda: [])
    basic = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    request = httpx.Request("GET", "https://x.example", headers={"authorization": f"Basic {basic}"})
    redact.learn_request(request)
    assert "Ab+c" not in redact(f"echo {SECRET} {basic}")
    bearer = httpx.Request("GET", "https://x.example", headers={"Authorization": "Bearer tok-12345678"})
    redact.learn_request(bearer)
    assert redact("tok-12345678") == MASK
    cookie = httpx.Request("GET", "https://x.example", headers={"Cookie": "sid=cookie-value-1; theme=dark"})
    redact.learn_request(cookie)
    assert redact("sid=cookie-value-1 theme=dark") == f"sid={MASK} theme=dark"


@pytest.mark.parametrize("logger_name", ["custbridge", "custbridge.acme", "httpx", "httpcore.http11"])
def test_log_records_are_redacted(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    redact = _redactor(SECRET)
    register(redact)  # alive while this test holds it
    logging.getLogger(logger_name)
    register(redact)  # loggers created after the first registration get the filter too
    caplog.set_level(logging.DEBUG, logger=logger_name)
    log = logging.getLogger(logger_name)
    try:
        raise ValueError(f"boom {quote_plus(SECRET)}")
    except ValueError:
        log.warning("url %s headers %r", f"https://x/?k={quote(SECRET, safe='')}", {"h": SECRET}, exc_info=True)
    text = "\n".join(logging.Formatter().format(r) for r in caplog.records if r.name == logger_name)
    assert "url https://x/?k=****" in text and "Ab+c" not in text and "Ab%2Bc" not in text, text
    del redact


# --------------------------------------------------------------------------- cassettes


def test_cassette_scrubbing_catches_encoded_forms() -> None:
    config = cassette_config(secret_values=[SECRET])
    request = type("R", (), {})()
    request.headers = {"X-Echo": quote_plus(SECRET), "authorization": "Bearer x"}
    request.body = f"client_secret={quote_plus(SECRET)}&x={json.dumps(SECRET)}".encode()
    request.uri = f"https://x.example/?key={quote(SECRET, safe='')}"
    config["before_record_request"](request)
    response = {
        "headers": {"X-Request-Id": [base64.b64encode(SECRET.encode()).decode()]},
        "body": {"string": json.dumps({"echo": SECRET, "nested": json.dumps({"access_token": "abc\"def"})})},
    }
    config["before_record_response"](response)
    dumped = json.dumps([request.headers, request.body.decode(), request.uri, response])
    b64 = base64.b64encode(SECRET.encode()).decode()
    assert "Ab+c" not in dumped and "Ab%2Bc" not in dumped and b64[4:16] not in dumped, dumped
    assert "abc" not in dumped and REDACTED in dumped
    assert scrub_text('{"password": "p\\"w"}') == f'{{"password": "{REDACTED}"}}'


# --------------------------------------------------------------------------- point 6: inert outputs


HOSTILE_CELLS = {
    "=HYPERLINK(\"http://evil\",\"x\")": "'=HYPERLINK(\"http://evil\",\"x\")",
    "+SUM(1,2)": "'+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "=1+1": "'=1+1",
    "＝1+1": "'＝1+1",
    "'quoted": "''quoted",
    "+44 20 7946 0958": "'+44 20 7946 0958",
    "+442079460958": "+442079460958",
    "-12.50": "-12.50",
    "plain": "plain",
}


def _csv_cells(customer: Customer) -> dict[str, str]:
    import csv

    buffer = io.StringIO()
    with open_writer(buffer, "csv") as writer:
        writer.write(customer)
    buffer.seek(0)
    return next(csv.DictReader(buffer))


@pytest.mark.parametrize("value", list(HOSTILE_CELLS))
def test_csv_cells_are_inert_and_read_back(value: str) -> None:
    customer = Customer(provider="p", id=value, display_name="x", notes=value, status=CustomerStatus.ACTIVE)
    cells = _csv_cells(customer)
    assert cells["id"] == HOSTILE_CELLS[value]
    assert cells["notes"] == HOSTILE_CELLS[customer.notes or ""]  # the model strips text fields
    buffer = io.StringIO()
    with open_writer(buffer, "csv") as writer:
        writer.write(customer)
    buffer.seek(0)
    assert next(read_csv(buffer)) == customer


def test_numbers_and_json_columns_are_not_prefixed() -> None:
    from decimal import Decimal

    from custbridge import Address, Money

    customer = Customer(
        provider="p", id="1", display_name="x", status=CustomerStatus.ACTIVE, tags=("=a",),
        credit_limit=Money(amount=Decimal("-100.50"), currency="EUR"),
        address=Address(latitude=-33.9, longitude=-18.4),
    )
    cells = _csv_cells(customer)
    assert cells["credit_limit_amount"] == "-100.50"
    assert cells["address_latitude"] == "-33.9" and cells["tags"] == '["=a"]'


def test_inert_text_escapes_terminal_controls() -> None:
    hostile = "A\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\u202eB\r\x08\x7f\n\tC"
    out = inert(hostile)
    assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\r\x08\x7f")
    assert out.endswith("\n\tC") and "\\u001b[2J" in out
    assert "\n" not in inert("a\nb", newlines=False)
    assert json.loads(inert(json.dumps(hostile, ensure_ascii=False))) == hostile  # JSON stays JSON


# --------------------------------------------------------------------------- connect time


def _strict_key(value: str) -> str:
    if not value.startswith("ok_"):
        raise ValueError(f"the key {value!r} (quoted: {quote_plus(value)}) must start with ok_")
    return value


class _Careless(custbridge.Provider):
    """A plug-in whose setting parser and constructor quote the key they refuse."""

    settings_spec = (custbridge.Setting("api_key", secret=True, required=True, parse=_strict_key),)

    def __init__(self, settings: custbridge.Settings) -> None:
        super().__init__(settings)
        raise RuntimeError(f"cannot use {json.dumps(settings.secret('api_key'))}")


@pytest.fixture
def careless() -> Any:
    custbridge.register_provider("careless", _Careless)
    yield "careless"
    custbridge.unregister_provider("careless")


@pytest.mark.parametrize("key", [SECRET, "ok_" + SECRET])
def test_connect_errors_do_not_show_the_key(careless: str, key: str) -> None:
    with pytest.raises(Exception) as info:
        custbridge.connect(careless, api_key=key)
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert "Ab+c" not in text and "Ab%2Bc" not in text, text


@pytest.mark.skipif(Group is None, reason="exception groups are Python 3.11+")
def test_a_builtin_exception_that_cannot_be_cleaned_in_place_is_replaced_in_the_chain() -> None:
    """A built-in group's message is read-only and its class cannot be swapped: a stand-in
    with the redacted text takes its place, and the chain goes on behind it."""
    try:
        try:
            try:
                raise KeyError(SECRET)
            except KeyError as inner:
                raise Group(f"failed for {SECRET}", [ValueError("x")]) from inner
        except Exception as exc:
            raise ProviderError("failed") from exc
    except ProviderError as err:
        caught = err
    _redactor(SECRET).error(caught)
    text = "".join(traceback.format_exception(caught))
    assert "Ab+c" not in text and "ExceptionGroup: failed for ****" in text and "KeyError" in text, text


def test_builtin_text_attributes_are_cleaned_in_place() -> None:
    exc = FileNotFoundError(2, "No such file", f"/tmp/{SECRET}")
    _redactor(SECRET).error(exc)
    assert type(exc) is FileNotFoundError and exc.filename == f"/tmp/{MASK}" and "Ab+c" not in str(exc)


_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "*")


@settings(max_examples=150, deadline=None)
@given(
    secret=st.text(alphabet=_PRINTABLE, min_size=8, max_size=40),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
    encoding=st.sampled_from(sorted(_encodings(SECRET))),
)
def test_any_secret_in_any_encoding_is_masked(secret: str, before: str, after: str, encoding: str) -> None:
    form = _encodings(secret)[encoding]
    clean = _redactor(secret)(before + form + after)
    assert form not in clean and MASK in clean


class _RuntimeTokenAuth(httpx.Auth):
    """A third-party auth flow that gets its token at run time and never reports it."""

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = "Bearer runtime-token-0a1b2c3d"
        yield request


def test_credentials_an_auth_flow_puts_on_requests_are_learned() -> None:
    from custbridge._redact import learning_auth

    redact = Redactor(lambda: [])
    echo = httpx.MockTransport(lambda r: httpx.Response(401, text=r.headers["authorization"]))
    auth = learning_auth(_RuntimeTokenAuth(), redact)
    with httpx.Client(transport=echo, auth=auth) as http:
        body = http.get("https://vendor.example/x").text
    assert "runtime-token-0a1b2c3d" in body and redact(body) == f"Bearer {MASK}"

    async def run() -> str:
        async with httpx.AsyncClient(transport=echo, auth=learning_auth(_RuntimeTokenAuth(), redact)) as client:
            return (await client.get("https://vendor.example/x")).text

    import asyncio

    assert redact(asyncio.run(run())) == f"Bearer {MASK}"
