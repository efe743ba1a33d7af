"""Discovery through entry points, runtime registration, and the core/adapter boundary."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import custbridge
from custbridge.provider import Provider

SRC = Path(__file__).resolve().parents[2] / "src" / "custbridge"


def test_builtin_providers_are_found_through_entry_points() -> None:
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="custbridge.providers")}
    assert {"rotor", "augno", "openmrp", "pexip_engage"} <= names
    assert names <= set(custbridge.providers())
    assert custbridge.providers() == sorted(custbridge.providers())


def test_third_party_example_plugin_is_discovered() -> None:
    assert "acme" in custbridge.providers()
    assert custbridge.registry.provider_class("acme").name == "acme"


def test_register_rejects_non_providers() -> None:
    with pytest.raises(custbridge.ConfigurationError):
        custbridge.register_provider("bad", dict)  # type: ignore[arg-type]


def test_registering_one_class_under_two_names_keeps_both_names() -> None:
    class P(Provider):
        pass

    custbridge.register_provider("one", P)
    custbridge.register_provider("two", P)
    try:
        assert custbridge.registry.provider_class("one").name == "one"
        assert custbridge.registry.provider_class("two").name == "two"
    finally:
        custbridge.unregister_provider("one")
        custbridge.unregister_provider("two")


def test_core_never_imports_an_adapter() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("custbridge_")]
    assert not offenders, offenders


def test_core_never_names_a_vendor() -> None:
    vendors = ("rotor", "augno", "openmrp", "pexip")
    hits = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        hits += [f"{path.relative_to(SRC)}: {v}" for v in vendors if v in text]
    assert not hits, hits


def test_public_api_is_pinned() -> None:
    for name in (
        "providers",
        "register_provider",
        "connect",
        "connect_async",
        "Customer",
        "CustomerInput",
        "Address",
        "AddressText",
        "Money",
        "CustomerStatus",
        "CustbridgeError",
        "ConfigurationError",
        "UnsupportedOperationError",
        "MappingError",
        "PaginationError",
        "TransportError",
        "RequestTimeoutError",
        "ProviderError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "RateLimitError",
        "ServerError",
    ):
        assert name in custbridge.__all__, name
        assert hasattr(custbridge, name)
    assert sorted(custbridge.__all__) == custbridge.__all__ or set(custbridge.__all__) == set(dir(custbridge)) & set(
        custbridge.__all__
    )


PUBLIC_API = [
    "NOT_SET",
    "Address",
    "AddressText",
    "AsyncClient",
    "AsyncCustomerList",
    "AsyncPageList",
    "AsyncRawPageList",
    "AsyncRawResponseClient",
    "AuthenticationError",
    "BadRequestError",
    "Capabilities",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "CustbridgeError",
    "Customer",
    "CustomerInput",
    "CustomerList",
    "CustomerStatus",
    "FieldAccess",
    "HttpRequest",
    "HttpResponse",
    "ListQuery",
    "MappingError",
    "Money",
    "NotFoundError",
    "NotSet",
    "OnInvalid",
    "Page",
    "PageList",
    "PaginationError",
    "PermissionDeniedError",
    "Provider",
    "ProviderError",
    "RateLimit",
    "RateLimitError",
    "RawPage",
    "RawPageList",
    "RawResponse",
    "RawResponseClient",
    "RequestTimeoutError",
    "Secret",
    "ServerError",
    "Setting",
    "Settings",
    "Support",
    "TransportError",
    "UnsupportedOperationError",
    "__version__",
    "connect",
    "connect_async",
    "customer_json_schema",
    "providers",
    "register_provider",
    "unregister_provider",
]


def test_public_api_is_exactly_the_pinned_list() -> None:
    """Adding or removing a public name is a deliberate change of this list (and the CHANGELOG)."""
    assert custbridge.__all__ == PUBLIC_API
    for name in PUBLIC_API:
        assert hasattr(custbridge, name), name


def test_py_typed_is_shipped() -> None:
    assert (SRC / "py.typed").exists()
