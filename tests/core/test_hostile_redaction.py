"""Redaction against a hostile vendor, for every installed provider (issue 10, point 1).

The vendor echoes every credential it receives (API keys, the OAuth client secret in the
token request's form body, the bearer token issued at run time) in every encoding: as given,
``quote``, ``quote_plus``, JSON-escaped, base64 (also inside ``Basic user:pass``), HTML; in
messages, vendor codes, JSON keys, request-id headers, a redirect URL, and nested 900 levels
deep. Nothing of it may reach ``str``/``repr`` of an error, its chained causes or its formatted
traceback, its fields (details at any depth, vendor code, request id, body snippet), mapping
errors (record ids, paths, reasons), the reports that list failed records, or any log record
of the custbridge, httpx and httpcore loggers.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

import custbridge
from custbridge import CustbridgeError, CustomerInput, MappingError
from custbridge.errors import UnsupportedOperationError
from custbridge.registry import provider_class
from custbridge.reporting import ReportBuilder, render_html, render_json, render_text
from custbridge.testing._hostile import exception_texts

PROVIDERS = custbridge.providers()
MARK = "cbHOSTILE"
"""Every hostile secret contains this; no channel may ever show it (in a readable form)."""
SPECIAL = "/k+y=v&w%2F\"q'\\Zq81"
"""Characters that every encoding writes differently."""
TOKEN = f"{MARK}tok{SPECIAL}-issued-at-run-time"
"""The access token the hostile OAuth server issues."""
DEPTH = 900


def _forms(secret: str) -> list[str]:
    """The encodings the hostile vendor echoes a credential in."""
    raw = secret.encode()
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(b"user:" + raw).decode(),
        base64.b64encode(b"api-client:" + raw).decode(),
        html.escape(secret),
    ]


def _secrets_of(request: httpx.Request, known: Iterable[str]) -> list[str]:
    """What the vendor can see of the caller's credentials, plus the ones we planted."""
    found = set(known)
    for name, value in request.headers.items():
        if name.lower() in ("authorization", "x-api-key", "api-key"):
            found.add(value)
            found.add(value.partition(" ")[2] or value)
    body = request.content.decode("utf-8", "replace")
    if body:
        found.add(body)
    return sorted(s for s in found if s)


def _nested(key: str, depth: int = DEPTH) -> str:
    """JSON text nesting ``{key: {key: ...}}`` ``depth`` levels deep (built without recursion)."""
    k = json.dumps(key)
    return f"{{{k}:" * depth + json.dumps(key) + "}" * depth


def _hostile(status: int, known: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """The hostile vendor; ``known`` are the caller's secrets (``TOKEN`` is added to them
    once the vendor's OAuth endpoint issued it)."""
    redirected: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):  # an OAuth token endpoint: issue the run-time token
            if TOKEN not in known:
                known.append(TOKEN)
            return httpx.Response(200, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300})
        secrets = _secrets_of(request, known)
        echo = " | ".join(f for s in secrets for f in _forms(s))
        first = _forms(secrets[0])
        if request.method == "GET" and request.url.path not in redirected:
            # A redirect whose URL carries a credential (httpx logs the URL it follows).
            redirected.add(request.url.path)
            target = request.url.copy_merge_params({"echo": secrets[0], "b": first[6]})
            return httpx.Response(302, headers={"location": str(target)})
        deep = _nested(echo)
        code = json.dumps(first[3])
        text = json.dumps(f"rejected {request.method} {request.url}: {echo}")
        body = (
            "{"
            f'"status": "error", "message": {text}, "error_code": {code}, "error_description": {text},'
            f'"error": {{"message": {text}, "code": {code}, "type": {code}, "param": {deep}, '
            f'"quota": {deep}, "doc_url": {text}, "request_log_url": {text}, "is_transient": false}},'
            f'"errors": [{{"message": {text}, "code": {code}, "type": {code}, "field": {text}, '
            f'"statusCode": "{status}", "meta": {deep}}}],'
            f'{json.dumps(echo)}: {deep}'
            "}"
        )
        ids = {h: first[i % len(first)] for i, h in enumerate(("x-request-id", "request-id", "x-correlation-id",
                                                              "x-amzn-requestid", "x-echo"))}
        ids = {h: v for h, v in ids.items() if v.isascii()}
        return httpx.Response(status, content=body.encode(), headers={"content-type": "application/json", **ids})

    return handler


def _settings(name: str) -> tuple[dict[str, Any], list[str]]:
    cls = provider_class(name)
    settings: dict[str, Any] = {}
    try:
        app = cls.sandbox(size=1)
        settings.update(app.client_settings(app.base_url))
    except UnsupportedOperationError:
        pass
    secrets = []
    for index, setting in enumerate(cls.settings_spec):
        if setting.secret:
            settings[setting.name] = value = f"{MARK}{index}{SPECIAL}"
            secrets.append(value)
    return settings, secrets


def _leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    forms = {f for s in secrets for f in _forms(s) if len(f) >= 8}
    out = []
    for text in texts:
        if MARK in text:
            out.append(text[max(0, text.index(MARK) - 80) : text.index(MARK) + 80])
        out += [f"{form!r} in {text[:120]!r}" for form in forms if form in text]
    return out


def _log_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(message)s")
    return [formatter.format(r) for r in records]


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("custbridge", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _calls(client: Any) -> list[Callable[[], Any]]:
    caps = client.capabilities
    data = CustomerInput(first_name="Ada", last_name="Lovelace", company_name="Ada Ltd", email="ada@example.com")
    calls: list[Callable[[], Any]] = [lambda: client.get("c-1"), lambda: list(client.list(max_items=2))]
    if caps.supports("create"):
        calls.append(lambda: client.create(data))
    if caps.supports("update"):
        calls.append(lambda: client.update("c-1", CustomerInput(email="ada@example.com")))
    return calls


@pytest.mark.parametrize("status", [400, 401, 500])
@pytest.mark.parametrize("name", PROVIDERS)
def test_echoed_credentials_never_show(name: str, status: int, all_logs: pytest.LogCaptureFixture) -> None:
    settings, secrets = _settings(name)
    http = httpx.Client(transport=httpx.MockTransport(_hostile(status, secrets)))
    texts: list[str] = []
    raised = 0
    with custbridge.connect(name, http_client=http, max_retries=0, **settings) as client:
        for call in _calls(client):
            try:
                call()
            except CustbridgeError as err:
                raised += 1
                texts += exception_texts(err)
    http.close()
    assert raised == len(_calls(client))
    assert any("****" in t for t in texts), "the vendor's echo never reached an error: the test proves nothing"
    texts += _log_texts(all_logs.records)
    assert not _leaks(texts, secrets), _leaks(texts, secrets)[:5]


@pytest.mark.parametrize("name", PROVIDERS)
def test_async_echo_never_shows(name: str, all_logs: pytest.LogCaptureFixture) -> None:
    settings, secrets = _settings(name)

    async def run() -> list[str]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_hostile(401, secrets)))
        texts: list[str] = []
        try:
            async with custbridge.connect_async(name, http_client=http, max_retries=0, **settings) as client:
                for call in (lambda: client.get("c-1"), lambda: client.list(max_items=1).__anext__()):
                    try:
                        await call()
                    except CustbridgeError as err:
                        texts += exception_texts(err)
        finally:
            await http.aclose()
        return texts

    texts = asyncio.run(run())
    assert len(texts) > 4
    texts += _log_texts(all_logs.records)
    assert not _leaks(texts, secrets), _leaks(texts, secrets)[:5]


def _poisoning(app: Any) -> httpx.MockTransport:
    """The sandbox's answers, with every list record's id, keys and text fields replaced by the
    caller's own credential (so each record fails to map and names it)."""
    inner = app.transport()

    def handler(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        response.read()
        credential = request.headers.get("authorization") or request.headers.get("x-api-key") or ""
        credential = credential.partition(" ")[2] or credential
        if "token" in request.url.path or not credential:
            return response
        data = json.loads(response.content)
        stack = [data]
        n = 0
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if "id" in item and len(item) > 3:
                    n += 1
                    item["id"] = f"id{n}-{credential}"  # distinct: one record each
                    for key in [k for k, v in item.items() if isinstance(v, str) and k != "id"]:
                        item[key] = {quote_plus(credential): [credential]}
                    item[credential] = credential
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, json=data, headers=headers)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("name", PROVIDERS)
def test_failed_records_and_their_reports_never_show_credentials(
    name: str, all_logs: pytest.LogCaptureFixture
) -> None:
    try:
        app = provider_class(name).sandbox(size=4)
    except UnsupportedOperationError:
        pytest.skip(f"{name} ships no sandbox")
    http = httpx.Client(transport=_poisoning(app))
    with custbridge.connect(name, http_client=http, **app.client_settings(app.base_url)) as client:
        collected = client.list(on_invalid="collect", max_items=4)
        assert not list(collected)
        skipped = client.list(on_invalid="skip", max_items=4)
        assert not list(skipped)
        try:
            list(client.list(max_items=4))
        except MappingError as err:
            raised = exception_texts(err)
        secrets = client.provider.secret_values()  # asked now: includes tokens issued meanwhile
    http.close()
    errors = collected.errors
    assert errors and all(e.record_id and "****" in e.record_id for e in errors), [e.record_id for e in errors]
    texts = raised + [t for e in errors for t in exception_texts(e)]
    texts += [repr(e.paths) for e in errors]
    report = ReportBuilder().build(mapping_errors=errors)
    texts += [render_text(report), render_json(report), render_html(report)]
    texts += _log_texts(all_logs.records)
    leaks = [t for t in texts for s in secrets if s in t or quote_plus(s) in t]
    assert not leaks, leaks[:3]


class _EchoServer:
    """The hostile vendor over real HTTP on 127.0.0.1, so httpx and httpcore log as in production."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        import http.server
        import threading

        serve = handler

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                url = f"http://{self.headers.get('host')}{self.path}"
                request = httpx.Request(self.command, url, headers=list(self.headers.items()), content=body)
                response = serve(request)
                content = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("name", PROVIDERS)
def test_httpx_and_httpcore_logs_of_our_own_client(name: str, all_logs: pytest.LogCaptureFixture) -> None:
    """custbridge creates the httpx client: its httpx and httpcore log lines (URLs after a
    redirect, echoed response headers) are filtered too."""
    cls = provider_class(name)
    try:
        app = cls.sandbox(size=1)
    except UnsupportedOperationError:
        pytest.skip(f"{name} ships no sandbox")
    settings, secrets = _settings(name)
    server = _EchoServer(_hostile(401, secrets))
    try:
        settings.update({k: v for k, v in app.client_settings(server.url).items() if k not in settings or
                         not any(s.name == k and s.secret for s in cls.settings_spec)})
        texts: list[str] = []
        with custbridge.connect(name, max_retries=0, timeout=10, **settings) as client:
            for call in (lambda: client.get("c-1"), lambda: list(client.list(max_items=1))):
                with pytest.raises(CustbridgeError) as info:
                    call()
                texts += exception_texts(info.value)
    finally:
        server.close()
    logged = _log_texts(all_logs.records)
    assert any(r.name.startswith("httpcore") for r in all_logs.records)
    assert any(r.name == "httpx" and "echo=" in r.getMessage() for r in all_logs.records)  # the redirect URL
    assert not _leaks(texts + logged, secrets), _leaks(texts + logged, secrets)[:5]
