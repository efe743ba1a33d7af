"""Customers present in Rotor but not in Pexip Engage.

Records are compared as identities: same e-mail (case-insensitive), same phone (E.164), or
one vendor storing the other's id as its external id.

    python examples/present_in_rotor_not_in_pexip.py --sandbox
    python examples/present_in_rotor_not_in_pexip.py --left rotor --right pexip_engage   # real APIs
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from custbridge.reporting import collect, match


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--left", default="rotor", help="where the customers are (default rotor)")
    parser.add_argument("--right", default="pexip_engage", help="where they are missing (default pexip_engage)")
    parser.add_argument("--sandbox", action="store_true", help="use the built-in simulators")
    parser.add_argument("--size", type=int, default=200, help="customers per simulator")
    args = parser.parse_args(argv)

    fetched = collect([args.left, args.right], sandbox=args.sandbox, sandbox_size=args.size)
    if fetched.failures:
        for name, error in fetched.failures.items():
            print(f"! {name} failed: {error}", file=sys.stderr)
        return 1
    matches = match(fetched.customers)
    only_left = sorted(matches.present_in(args.left, not_in=args.right), key=lambda r: r.display_name)
    for record in only_left:
        print(f"{record.id:<40} {record.display_name:<32} {record.email or '-'}")
    total = sum(1 for r in matches.records.values() if r.provider == args.left)
    print(f"{len(only_left)} of {total} {args.left} customers are not in {args.right}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
