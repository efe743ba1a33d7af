"""Street data for customer addresses, from the address endpoints (``/v1/sales/addresses``).

Quirk: the current retrieve page says an address's ``geolocation`` (where its street, city,
postal code and country live) is "Always returned as null in this endpoint". The mapping then
leaves such an address ``None`` and lists its fields in ``Customer.not_loaded`` (an address
with a name and no location is never counted as present); :func:`complete` fills it in through
the engine's completion hook (:meth:`custbridge.Provider.complete`):

* ``get``, ``create``, ``update``: ``GET /v1/sales/addresses/{id}``, one request per distinct
  address (at most two: bill-to and ship-to);
* ``list``: the spec's ``GET /v1/sales/addresses`` has no id filter (only ``cursor``, ``limit``,
  ``q``, ``drop_ship``), so "in bulk" means scanning the account's address list, 1000 per
  request, once per listing (what a page does not need yet is kept for later pages). In
  ``auto`` mode the first page that needs addresses reads one scan page; later pages scan on
  only while they still miss more than :data:`BY_ID_MAX` addresses, and fetch the rest by id.

Sources: the April 2026 preview spec (``list-addresses``, ``get-address``, schemas ``Address``
and ``List_Address``) and augno-retrieve-customer.txt.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, MutableMapping, Sequence
from typing import Any, Final

import attrs
import msgspec

from custbridge import (
    Address,
    Customer,
    HttpRequest,
    HttpResponse,
    MappingError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
)

from ._wire import AddressPage, AugnoCustomer, PageInfo, error_path

__all__ = [
    "BY_ID_MAX", "MODES", "ROLES", "SCAN_PAGE_SIZE", "complete", "decoded", "parse_mode", "present", "unresolved",
]

ROLES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("bill_to_address", ("billing_address", "address")),
    ("ship_to_address", ("shipping_address",)),
)
"""Vendor sub-object -> the canonical fields it fills."""

MODES: Final[tuple[str, ...]] = ("auto", "by_id", "scan", "off")
"""Values of the ``complete_addresses`` setting."""

# Assumption: 20 is a judgement, not a vendor figure: one second of the budget by id is cheaper
# than scanning on through an address list of unknown length (the list gives no total).
BY_ID_MAX: Final = 20
"""In ``auto`` mode, a list page missing at most this many addresses fetches them by id (one
second of the 20 requests/second budget) rather than scanning on."""

SCAN_PAGE_SIZE: Final = 1000
"""The address list's maximum ``limit`` (spec: default 100, max 1000)."""

_PATH: Final = ("v1", "sales", "addresses")
_STATE_KEY: Final = "augno.address_scan"
_EMPTY_PAGES_LIMIT: Final = 3
_NOTHING: Final[frozenset[str]] = frozenset()
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", "none"})
_decode_page = msgspec.json.Decoder(AddressPage).decode

ReadAddress = Callable[[Any], tuple[str, Address | None]]
"""Maps one address record (the endpoint's JSON) to ``(id, Address or None)``; raises MappingError."""


def parse_mode(value: Any) -> str:
    """The ``complete_addresses`` setting: a mode name, or a boolean (true = auto, false = off)."""
    if isinstance(value, bool):
        return "auto" if value else "off"
    text = str(value).strip().lower()
    if text in MODES:
        return text
    if text in _TRUE:
        return "auto"
    if text in _FALSE:
        return "off"
    raise ValueError(f"expected one of {', '.join(MODES)} (or true/false)")


def present(address: Address | None) -> Address | None:
    """``None`` for an address without any location (a name alone is not an address)."""
    return None if address is None or address.is_empty else address


def unresolved(wire: AugnoCustomer) -> frozenset[str]:
    """Canonical fields whose address came without ``geolocation`` (to be completed)."""
    bill, ship = wire.bill_to_address, wire.ship_to_address
    if (bill is None or bill.geolocation is not None) and (ship is None or ship.geolocation is not None):
        return _NOTHING  # the common case when geolocation is filled: no set built
    out: set[str] = set()
    for address, fields in ((bill, ROLES[0][1]), (ship, ROLES[1][1])):
        if address is not None and address.geolocation is None:
            out.update(fields)
    return frozenset(out)


def _wanted(customer: Customer) -> dict[str, str]:
    """``{vendor key: address id}`` of the addresses ``customer`` still needs."""
    out: dict[str, str] = {}
    if not customer.not_loaded:
        return out  # the common case when geolocation is filled (and every field's include asked)
    for key, fields in ROLES:
        if fields[0] in customer.not_loaded:
            address_id = customer.extras.get(f"{key}_id")
            if isinstance(address_id, str) and address_id:
                out[key] = address_id
    return out


def _completed(customer: Customer, wanted: Mapping[str, str], found: Mapping[str, Address | None]) -> Customer:
    changes: dict[str, Address | None] = {}
    for key, fields in ROLES:
        address_id = wanted.get(key)
        if address_id is not None and address_id in found:
            changes.update(dict.fromkeys(fields, found[address_id]))
    if not changes:
        return customer  # e.g. the address was deleted since: it stays in not_loaded
    return attrs.evolve(customer, not_loaded=customer.not_loaded - set(changes), **changes)  # type: ignore[arg-type]


@attrs.define
class _Scan:
    """The bulk scan of ``GET /v1/sales/addresses`` for one listing."""

    url: str | None = None
    token: str | None = None
    started: bool = False
    done: bool = False
    empty_pages: int = 0
    seen: set[str] = attrs.field(factory=set)
    cache: dict[str, Address | MappingError | None] = attrs.field(factory=dict)
    """Addresses read ahead of the pages that need them (each removed when used)."""

    def request(self) -> HttpRequest:
        if self.url is not None:
            return HttpRequest("GET", url=self.url)
        params = [("limit", str(SCAN_PAGE_SIZE))]
        if self.token is not None:
            params.append(("cursor", self.token))
        return HttpRequest("GET", _PATH, params=params)

    # {"object": "list",
    #  "page_info": {"next_page_url": "/v1/sales/addresses?limit=1000&cursor=ad_...", ...},  (current)
    #  "page_info": {"next_cursor": "ad_01jm4r6700f8nwq3v5hx2d9ktp", "prev_cursor": null,
    #                "has_next_page": true, "has_prev_page": false},                       (April spec)
    #  "data": [{"id": "ad_01jm4r6700f8nwq3v5hx2d9ktp", "object": "address", "name": "Headquarters",
    #            "is_drop_ship": false, "geolocation": {"street_line_1": "4200 Industrial Pkwy", ...}}]}
    # Spec operation list-addresses (GET /v1/sales/addresses)
    def read(self, response: HttpResponse, read_address: ReadAddress, provider: str) -> None:
        """Keep one scan page's addresses and move to the next page (or mark the end)."""
        self.started = True
        try:
            page = _decode_page(response.content)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise MappingError("the address list response is not the vendor's list envelope", provider=provider,
                               operation="list", paths=[error_path(exc)]) from None
        for record in page.data:  # each address on its own: a bad one matters only if a customer needs it
            try:
                address_id, address = read_address(record)
            except MappingError as err:
                rid = _record_id(record)
                if rid is not None:
                    self.cache[rid] = err  # raised only if a customer needs this address
                continue
            self.cache[address_id] = address
        info = page.page_info or PageInfo()
        url, token = info.next_page_url, info.next_cursor
        nxt = url or token
        if info.has_next_page is False or not nxt:
            self.done = True
            return
        if nxt in self.seen:
            raise PaginationError("the address list repeated a page token: it would loop forever",
                                  provider=provider, operation="list", hint=f"token {nxt[:60]!r}")
        self.empty_pages = 0 if page.data else self.empty_pages + 1
        if self.empty_pages >= _EMPTY_PAGES_LIMIT:
            raise PaginationError(f"the address list returned {self.empty_pages} empty pages in a row but "
                                  "says there are more", provider=provider, operation="list")
        self.seen.add(nxt)
        # The link (current generation) wins over a bare token (April spec).
        self.url, self.token = (url, None) if url else (None, nxt)


def decoded(record: Any) -> Any:
    """``record`` as a dict when it is an address's JSON (for the id in an error), else as given."""
    if isinstance(record, (bytes, msgspec.Raw)):
        try:
            return msgspec.json.decode(record)
        except msgspec.DecodeError:
            return None
    return record


def _record_id(record: Any) -> str | None:
    value = decoded(record)
    rid = value.get("id") if isinstance(value, Mapping) else None
    return rid if isinstance(rid, str) else None


def _send(request: HttpRequest, off_hint: str) -> Generator[HttpRequest, HttpResponse, HttpResponse]:
    try:
        return (yield request)
    except PermissionDeniedError as err:
        # The permission the address endpoints need is not documented (FACTS.md lists the
        # customer endpoints' only).
        err.hint = f"completing addresses reads /v1/sales/addresses; allow the key to, or {off_hint}"
        raise


def complete(
    customers: Sequence[Customer],
    operation: str,
    state: MutableMapping[str, Any],
    *,
    mode: str,
    read_address: ReadAddress,
    provider: str,
    off_hint: str,
) -> Generator[HttpRequest, HttpResponse, Sequence[Customer]] | None:
    """The completion of ``customers`` whose addresses came without street data, or ``None``."""
    if mode == "off":
        return None
    wanted = [_wanted(c) for c in customers]
    ids = list(dict.fromkeys(address_id for w in wanted for address_id in w.values()))
    if not ids:
        return None
    return _complete(customers, wanted, ids, operation, state, mode, read_address, provider, off_hint)


def _complete(
    customers: Sequence[Customer],
    wanted: list[dict[str, str]],
    ids: list[str],
    operation: str,
    state: MutableMapping[str, Any],
    mode: str,
    read_address: ReadAddress,
    provider: str,
    off_hint: str,
) -> Generator[HttpRequest, HttpResponse, Sequence[Customer]]:
    found: dict[str, Address | MappingError | None] = {}
    missing = ids
    # Assumption: the address list holds every address a customer references (its order is not
    # documented); what the scan does not find is fetched by id.
    if operation == "list" and mode in ("auto", "scan"):
        scan: _Scan = state.setdefault(_STATE_KEY, _Scan())
        while True:
            for address_id in missing:
                if address_id in scan.cache:
                    found[address_id] = scan.cache.pop(address_id)
            missing = [i for i in missing if i not in found]
            wide = mode == "scan" or not scan.started or len(missing) > BY_ID_MAX
            if not missing or scan.done or not wide:
                break
            scan.read((yield from _send(scan.request(), off_hint)), read_address, provider)
    for address_id in missing:  # by id; after a scan: addresses it did not list (e.g. newer ones)
        try:
            response = yield from _send(HttpRequest("GET", (*_PATH, address_id)), off_hint)
        except NotFoundError:
            # Assumption: an address deleted since the customer was read is not an error; the
            # customer's field stays in not_loaded.
            continue
        try:
            returned_id, address = read_address(response.content)
        except MappingError as err:
            found[address_id] = err
            continue
        if returned_id != address_id:
            found[address_id] = MappingError(f"asked for address {address_id!r}, the vendor answered {returned_id!r}",
                                             provider=provider, operation=operation, record_id=address_id,
                                             paths=[("$.id", "not the requested address")])
            continue
        found[address_id] = address
    for value in found.values():
        if isinstance(value, MappingError):
            value.operation = value.operation or operation
            raise value
    addresses: dict[str, Address | None] = {k: v for k, v in found.items() if not isinstance(v, MappingError)}
    return [_completed(c, w, addresses) if w else c for c, w in zip(customers, wanted, strict=True)]
