"""custbridge benchmarks: ``python -m bench`` (from the repository root) runs them all.

Nothing here is a test: the numbers are printed and written to ``bench/RESULTS.md``, never
asserted in CI. Every ratio is measured against a floor timed in the same run on the same
bytes, so a slower or busier machine changes the milliseconds, not the comparison.

- :mod:`bench.mapping`: a page of 1000 customers per vendor, from response bytes to objects,
  custbridge against ``json.loads`` (the floor), a hand-written mapper, pydantic v2 and
  msgspec.
- :mod:`bench.streaming`: resident memory while listing 200,000 sandbox customers.
- :mod:`bench.concurrency`: three providers with 50 ms latency per request, listed one after
  the other and concurrently, and the Pexip Engage cap of 4 requests in flight.
"""
