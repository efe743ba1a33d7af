"""What is installed: each provider's configuration state, sandbox and declared capabilities.

Everything here is read from the providers' declarations (``settings_spec``,
``capabilities``, ``display``, ``sandbox``); nothing branches on a provider's name and no
secret value is ever read into the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from ..errors import ConfigurationError, CustbridgeError
from ..provider import (
    CANONICAL_FIELDS,
    FILTERS,
    OPERATIONS,
    Capabilities,
    Provider,
    Settings,
    Support,
)
from ..registry import provider_class, providers

__all__ = [
    "ProviderInfo",
    "all_provider_info",
    "capabilities_of",
    "coverage_rows",
    "has_sandbox",
    "provider_info",
]


@attrs.frozen
class ProviderInfo:
    """One installed provider as the ``providers`` command shows it."""

    name: str
    """Registered name."""
    display: str
    """Human name of the vendor (the name when the provider declares none)."""
    loaded: bool
    """Whether the provider class could be imported."""
    problem: str | None
    """Why it could not be loaded, or why it is not configured."""
    configured: bool
    """Whether the environment holds every setting it needs to connect."""
    missing: tuple[str, ...]
    """Environment variables to set before it can connect (empty when configured)."""
    variables: tuple[str, ...]
    """Every environment variable it reads."""
    sandbox: bool
    """Whether it ships a simulator (``--sandbox`` works)."""
    capabilities: Capabilities | None
    """Declared capabilities, when they could be read."""


def has_sandbox(cls: type[Provider]) -> bool:
    """Return whether the provider class overrides :meth:`Provider.sandbox`."""
    own = getattr(cls.sandbox, "__func__", None)
    return own is not None and own is not Provider.sandbox.__func__  # type: ignore[attr-defined]


def _configured(
    name: str, cls: type[Provider], environ: Mapping[str, str]
) -> tuple[bool, tuple[str, ...], str | None]:
    problem = _build_problem(name, cls, environ)
    if problem is None:
        return True, (), None
    missing = tuple(s.env for s in cls.settings_spec if s.required and s.env and not environ.get(s.env))
    if missing:
        # What else would be missing once these are set (e.g. one of two ways to log in)?
        filled = {**environ, **dict.fromkeys(missing, "placeholder")}
        problem = _build_problem(name, cls, filled)
        if problem is not None:
            problem = "also " + _strip_set(problem)
    elif problem.startswith("or "):
        problem = problem[3:]
    return False, missing, problem


def _build_problem(name: str, cls: type[Provider], environ: Mapping[str, str]) -> str | None:
    try:
        cls(Settings.resolve(name, cls.settings_spec, {}, environ))
    except ConfigurationError as exc:
        return exc.hint or exc.message
    except Exception as exc:  # a plug-in's constructor may fail in its own way
        return f"{type(exc).__name__}: {exc}"
    return None


def _strip_set(text: str) -> str:
    for prefix in ("or ", "set "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


_caps_cache: dict[type[Provider], Capabilities] = {}


def capabilities_of(name: str, environ: Mapping[str, str] | None = None) -> Capabilities:
    """Return the capabilities provider ``name`` declares, without connecting.

    The provider is built from the environment when it is configured, else from its
    defaults, else from its sandbox's settings; capabilities that depend on settings are
    therefore those of that configuration.

    Raises:
        ConfigurationError: the provider is unknown or cannot be built at all.
    """
    cls = provider_class(name)
    cached = _caps_cache.get(cls)
    if cached is not None:
        return cached
    env = os.environ if environ is None else environ
    attempts: list[Callable[[], Settings]] = [
        lambda: Settings.resolve(name, cls.settings_spec, {}, env),
        lambda: Settings({s.name: s.default for s in cls.settings_spec}, {}),
    ]
    if has_sandbox(cls):

        def from_sandbox() -> Settings:
            app = cls.sandbox(seed=0, size=1)
            return Settings.resolve(name, cls.settings_spec, app.client_settings(app.base_url), {})

        attempts.append(from_sandbox)
    last: Exception | None = None
    for attempt in attempts:
        try:
            caps = cls(attempt()).capabilities
        except Exception as exc:
            last = exc
            continue
        _caps_cache[cls] = caps
        return caps
    raise ConfigurationError(
        f"cannot read the capabilities: {last}", provider=name, operation="capabilities"
    ) from last


def provider_info(name: str, environ: Mapping[str, str] | None = None) -> ProviderInfo:
    """Describe one installed provider (never loads or shows a secret value)."""
    env = os.environ if environ is None else environ
    try:
        cls = provider_class(name)
    except CustbridgeError as exc:
        return ProviderInfo(name, name, False, str(exc), False, (), (), False, None)
    variables = tuple(s.env for s in cls.settings_spec if s.env)
    configured, missing, problem = _configured(name, cls, env)
    try:
        caps: Capabilities | None = capabilities_of(name, env)
    except CustbridgeError:
        caps = None
    return ProviderInfo(
        name=name,
        display=cls.display or name,
        loaded=True,
        problem=problem,
        configured=configured,
        missing=missing,
        variables=variables,
        sandbox=has_sandbox(cls),
        capabilities=caps,
    )


def all_provider_info(environ: Mapping[str, str] | None = None) -> list[ProviderInfo]:
    """Describe every installed provider, sorted by name."""
    return [provider_info(name, environ) for name in providers()]


def coverage_rows(
    names: Sequence[str], capabilities: Mapping[str, Capabilities | None]
) -> Iterable[tuple[str, str, list[str]]]:
    """Yield ``(kind, name, value per provider)`` for operations, filters and fields.

    Values are :class:`Support` / :class:`FieldAccess` values (``native``, ``emulated``,
    ``read``, ``write``, ``unsupported``), or ``"?"`` when a provider's capabilities are
    unknown.
    """
    rows = [("operation", n) for n in OPERATIONS] + [("filter", n) for n in FILTERS]
    rows += [("field", n) for n in CANONICAL_FIELDS]
    for kind, name in rows:
        yield kind, name, [_cell(capabilities.get(p), kind, name) for p in names]


def _cell(caps: Capabilities | None, kind: str, name: str) -> str:
    if caps is None:
        return "?"
    if kind == "operation":
        return caps.operations.get(name, Support.UNSUPPORTED).value
    if kind == "filter":
        return caps.filters.get(name, Support.UNSUPPORTED).value
    return caps.field(name).value
