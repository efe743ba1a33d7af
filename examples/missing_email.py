"""Customers with no e-mail address at any provider.

A customer found at several providers (same e-mail, phone or cross-referenced id) counts as
one: it is listed only when none of its records has an e-mail.

    python examples/missing_email.py --sandbox                 # every provider with a simulator
    python examples/missing_email.py rotor pexip_engage        # real APIs, credentials from env
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import custbridge
from custbridge.registry import provider_class
from custbridge.reporting import collect, has_sandbox, match


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("providers", nargs="*", help="provider names (default: all with a sandbox)")
    parser.add_argument("--sandbox", action="store_true", help="use the built-in simulators")
    parser.add_argument("--size", type=int, default=200, help="customers per simulator")
    args = parser.parse_args(argv)
    names = args.providers or [n for n in custbridge.providers() if _has_sandbox(n)]

    fetched = collect(names, sandbox=args.sandbox, sandbox_size=args.size)
    for name, error in fetched.failures.items():
        print(f"! {name} failed: {error}", file=sys.stderr)
    matches = match(fetched.customers)

    missing = 0
    seen: set[int] = set()
    for record in matches.records.values():
        identity = matches.identity_of(record.key)
        if identity is None:
            if record.email is None:
                missing += 1
                print(f"{record.key:<28} {record.display_name}")
            continue
        if id(identity) in seen:
            continue
        seen.add(id(identity))
        if all(r.email is None for r in identity.records):
            missing += 1
            print(f"{' + '.join(identity.keys):<28} {identity.display_name}")
    print(f"{missing} customer(s) without an e-mail anywhere, out of {len(matches.records)} records")
    return 1 if fetched.failures else 0


def _has_sandbox(name: str) -> bool:
    try:
        return has_sandbox(provider_class(name))
    except custbridge.CustbridgeError:
        return False


if __name__ == "__main__":
    sys.exit(main())
