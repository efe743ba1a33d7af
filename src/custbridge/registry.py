"""Provider discovery (entry points ``custbridge.providers``) and :func:`connect`."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points
from typing import Any

import httpx

from ._engine import AsyncClient, Client, EngineOptions, OnInvalid, engine_settings
from .errors import ConfigurationError
from .model import NOT_SET, NotSet
from .provider import Provider, Settings

__all__ = [
    "connect",
    "connect_async",
    "provider_class",
    "providers",
    "register_provider",
    "unregister_provider",
]

ENTRY_POINT_GROUP = "custbridge.providers"

_lock = threading.Lock()
_runtime: dict[str, type[Provider]] = {}
_loaded: dict[str, type[Provider]] = {}
_entry_points: dict[str, Any] | None = None


def _discover() -> dict[str, Any]:
    global _entry_points
    if _entry_points is None:
        found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        _entry_points = found
    return _entry_points


def providers() -> list[str]:
    """Names of the installed providers (entry points plus runtime registrations), sorted."""
    return sorted(set(_discover()) | set(_runtime))


def register_provider(name: str, provider_cls: type[Provider]) -> None:
    """Register a provider class at runtime (tests, ad-hoc scripts)."""
    if not (isinstance(provider_cls, type) and issubclass(provider_cls, Provider)):
        raise ConfigurationError(
            f"{provider_cls!r} is not a custbridge.Provider subclass", provider=name, operation="register"
        )
    with _lock:
        _runtime[name] = _named(name, provider_cls)


def unregister_provider(name: str) -> None:
    """Forget a runtime registration (entry-point providers stay installed)."""
    with _lock:
        _runtime.pop(name, None)


def _named(name: str, provider_cls: type[Provider]) -> type[Provider]:
    if provider_cls.name == name:
        return provider_cls
    if provider_cls.name:
        # The class is already registered under another name: give this name its own subclass.
        return type(provider_cls.__name__, (provider_cls,), {"name": name, "__module__": provider_cls.__module__})
    provider_cls.name = name
    return provider_cls


def provider_class(name: str) -> type[Provider]:
    """Return the provider class registered as ``name``."""
    if name in _runtime:
        return _runtime[name]
    if name in _loaded:
        return _loaded[name]
    ep = _discover().get(name)
    if ep is None:
        installed = providers()
        raise ConfigurationError(
            f"unknown provider {name!r}",
            provider=name,
            operation="connect",
            hint="installed providers: " + (", ".join(installed) if installed else "none"),
        )
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plug-in must not look like a custbridge bug
        raise ConfigurationError(
            f"provider entry point {ep.value!r} failed to load: {exc}",
            provider=name,
            operation="connect",
            hint="reinstall the package that provides it",
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ConfigurationError(
            f"entry point {ep.value!r} is not a custbridge.Provider subclass",
            provider=name,
            operation="connect",
        )
    with _lock:
        _loaded[name] = _named(name, cls)
    return _loaded[name]


def _build(name: str, settings: dict[str, Any]) -> tuple[Provider, EngineOptions]:
    cls = provider_class(name)
    options, rest = EngineOptions.from_settings(name, settings)
    resolved = Settings.resolve(name, cls.settings_spec, rest)
    try:
        provider = cls(resolved)
    except Exception as exc:  # whatever the plug-in raised must not show a secret
        from ._redact import Redactor  # (error path only)

        secrets = [resolved.secret(s.name) or "" for s in cls.settings_spec if s.secret]
        Redactor(lambda: secrets).error(exc)
        raise
    return provider, options


def connect(
    name: str,
    *,
    http_client: httpx.Client | None = None,
    timeout: float | NotSet | None = NOT_SET,
    max_retries: int | None = None,
    max_retry_wait: float | None = None,
    backoff: float | None = None,
    backoff_max: float | None = None,
    on_invalid: OnInvalid | None = None,
    max_response_size: int | None = None,
    request_deadline: float | None = None,
    strict_pagination: bool | None = None,
    **settings: Any,
) -> Client:
    """Connect to provider ``name``.

    ``settings`` are the provider's keywords (see its README; each falls back to an environment
    variable). For typed, autocompleted settings use the adapter package's own ``connect``
    (``custbridge_<vendor>.connect(api_key=...)``). The engine's settings: ``timeout`` (30 s per
    request; ``None``: none), ``max_retries`` (2), ``max_retry_wait`` (60 s: a longer
    ``Retry-After`` raises at once), ``backoff`` (0.5 s, doubling per retry up to
    ``backoff_max``, 8 s), ``on_invalid`` (``"raise"``, ``"skip"`` or ``"collect"``),
    ``max_response_size`` (64 MiB), ``request_deadline`` (4 × ``timeout``) and
    ``strict_pagination`` (``True``); negative or non-finite numbers are refused.
    A caller's ``http_client`` is used as is and never closed by custbridge.
    """
    engine = engine_settings(locals())
    provider, options = _build(name, {**settings, **engine})
    return Client(provider, options, http_client=http_client)


def connect_async(
    name: str,
    *,
    http_client: httpx.AsyncClient | None = None,
    timeout: float | NotSet | None = NOT_SET,
    max_retries: int | None = None,
    max_retry_wait: float | None = None,
    backoff: float | None = None,
    backoff_max: float | None = None,
    on_invalid: OnInvalid | None = None,
    max_response_size: int | None = None,
    request_deadline: float | None = None,
    strict_pagination: bool | None = None,
    **settings: Any,
) -> AsyncClient:
    """Connect an asyncio client to provider ``name`` (same settings as :func:`connect`)."""
    engine = engine_settings(locals())
    provider, options = _build(name, {**settings, **engine})
    return AsyncClient(provider, options, http_client=http_client)
