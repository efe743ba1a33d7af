"""custbridge: one canonical Customer model over many vendors' customer APIs.

::

    import custbridge

    with custbridge.connect("acme") as client:           # settings from ACME_* variables
        for customer in client.list(status="active"):
            print(customer.key, customer.display_name, customer.email)
"""

from __future__ import annotations

from ._dicts import customer_json_schema
from ._engine import AsyncClient, AsyncCustomerList, AsyncPageList, Client, CustomerList, OnInvalid, PageList
from ._raw import AsyncRawPageList, AsyncRawResponseClient, RawPageList, RawResponse, RawResponseClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    CustbridgeError,
    MappingError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnsupportedOperationError,
)
from .model import (
    NOT_SET,
    Address,
    AddressText,
    Customer,
    CustomerInput,
    CustomerStatus,
    Money,
    NotSet,
)
from .provider import (
    Capabilities,
    FieldAccess,
    HttpRequest,
    HttpResponse,
    ListQuery,
    Page,
    Provider,
    RateLimit,
    RawPage,
    Secret,
    Setting,
    Settings,
    Support,
)
from .registry import connect, connect_async, providers, register_provider, unregister_provider

__version__ = "0.1.0"

__all__ = [
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
