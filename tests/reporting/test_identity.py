"""Probabilistic identity matching (splink on DuckDB), golden records and the sandbox truth."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import attrs
import pytest

from custbridge import ConfigurationError, Customer, cli
from custbridge.reporting import (
    GOLDEN_FIELDS,
    MatchResult,
    ProbabilisticSettings,
    golden_record,
    match,
)
from custbridge.sandbox import NOISE_KINDS, Population, people

pytest.importorskip("splink")

POPULATION = Population(seed=7, size=600, noise=0.6)


def _pairs(result: MatchResult) -> set[frozenset[str]]:
    return {
        frozenset((a, b))
        for identity in result.identities
        for a, b in combinations(identity.keys, 2)
        if a.split(":")[0] != b.split(":")[0]
    }


@pytest.fixture(scope="module")
def customers() -> list[Customer]:
    return list(POPULATION.customers())


@pytest.fixture(scope="module")
def exact(customers: list[Customer]) -> MatchResult:
    return match(customers)


@pytest.fixture(scope="module")
def probabilistic(customers: list[Customer]) -> MatchResult:
    return match(customers, method="probabilistic")


def test_the_sandbox_truth_and_noise() -> None:
    # noise 0 is the population every simulator has always served
    plain = list(people(7, 200, namespace="crm"))
    assert list(people(7, 200, namespace="crm", noise=0.0)) == plain
    noisy = list(people(7, 200, namespace="crm", noise=1.0))
    assert [p.uid for p in noisy] == [p.uid for p in plain]
    changed = [(a, b) for a, b in zip(plain, noisy, strict=True) if a != b]
    assert 40 <= len(changed) <= 60  # the shared 30 %, less the 8 % that already drift
    assert all(a.uid < 60 for a, _ in changed)  # only shared people differ
    kinds = set()
    for a, b in changed:
        kinds.update(k for k, differs in (
            ("name", (a.first_name, a.last_name) != (b.first_name, b.last_name)),
            ("email", a.email != b.email),
            ("phone", a.phone != b.phone),
            ("moved", a.address != b.address),
            ("company", b.known_as_company),
        ) if differs)
        assert not (a.email != b.email and a.phone != b.phone)  # never both contact keys
    assert kinds == {"name", "email", "phone", "moved", "company"} and len(NOISE_KINDS) == 6
    truth = Population(seed=7, size=50, namespaces=("a", "b")).truth()
    assert len(truth) == 100 and len(set(truth.values())) == 85  # 15 people at both


def test_probabilistic_finds_noisy_twins_that_exact_keys_miss(exact: MatchResult, probabilistic: MatchResult) -> None:
    truth = POPULATION.truth()
    missed = {pair for pair in _pairs(probabilistic) - _pairs(exact) if len({truth[k] for k in pair}) == 1}
    assert missed, "the noisy sandbox has twins without a shared e-mail or phone"
    exact_score = POPULATION.score(i.keys for i in exact.identities)
    score = POPULATION.score(i.keys for i in probabilistic.identities)
    assert score.recall > exact_score.recall and score.recall >= 0.95 and score.precision >= 0.98
    assert probabilistic.method == "probabilistic" and exact.method == "exact"
    # every link explains itself
    links = [link for i in probabilistic.identities for link in i.links if link.kind == "probabilistic"]
    assert links
    for link in links:
        assert link.probability is not None and link.probability >= ProbabilisticSettings().threshold
        assert link.weight is not None and link.agreed
        assert {a.comparison for a in link.comparisons} == {
            "first_name", "last_name", "email", "phone", "line1", "place", "company"}
        assert link.value == ", ".join(link.agreed)
    assert "probabilistic" in probabilistic.key_counts() and "probabilistic" not in exact.key_counts()


def test_exact_key_links_are_kept(exact: MatchResult, probabilistic: MatchResult) -> None:
    assert _pairs(exact) <= _pairs(probabilistic)
    kept = {(link.kind, link.value) for i in probabilistic.identities for link in i.links}
    assert {(link.kind, link.value) for i in exact.identities for link in i.links} <= kept


def test_no_link_between_different_people_with_the_same_surname_and_city(customers: list[Customer]) -> None:
    crm = [c for c in customers if c.provider == "crm" and c.first_name and c.address is not None][:40]
    tempters = []
    for n, target in enumerate(crm):
        assert target.address is not None and target.first_name and target.phone and target.email
        other = "Zoe" if target.first_name != "Zoe" else "Ada"
        tempters.append(attrs.evolve(
            target,
            provider="desk",
            id=f"tempter-{n}",
            first_name=other,
            display_name=f"{other} {target.last_name}",
            email=f"{other.lower()}.{(target.last_name or '').lower()}.t{n}@example.net",
            phone=target.phone[:-4] + f"{(int(target.phone[-4:]) + 1111) % 10000:04d}",
            address=attrs.evolve(target.address, line1=f"{n + 300} Other Street", line2=None),
        ))
    result = match([*customers, *tempters], method="probabilistic")
    for target, tempter in zip(crm, tempters, strict=True):
        identity = result.identity_of(tempter.key)
        assert identity is None or target.key not in identity.keys, (target, tempter)


def test_golden_record_choices() -> None:
    def customer(provider: str, updated: int | None, **values: str | None) -> Customer:
        when = datetime(2025, 1, updated, tzinfo=UTC) if updated else None
        return Customer(provider=provider, id="1", email="ann@example.com", display_name="Ann", updated_at=when,
                        **values)  # type: ignore[arg-type]

    result = match([
        customer("a", 1, first_name="Ann", last_name="Lee", phone="+3227777777", company_name="Acme"),
        customer("b", 3, first_name="Anne", last_name="LEE", phone="+3227777777"),
        customer("c", 2, first_name="Annie", phone="+3228888888"),
    ])
    (identity,) = result.identities
    golden = golden_record(identity)
    assert tuple(c.field for c in golden.fields) == GOLDEN_FIELDS
    assert golden.choice("email").reason == "all records agree" and not golden.choice("email").conflicts
    phone = golden.choice("phone")
    assert phone.value == "+3227777777" and phone.reason == "most records agree (2 of 3)"
    assert phone.conflicts == (("+3228888888", ("c:1",)),)
    first = golden.choice("first_name")  # three different values: the newest record wins
    assert (first.value, first.source, first.reason) == ("Anne", "b:1", "most recently updated")
    assert {v for v, _ in first.conflicts} == {"ann", "annie"}
    last = golden.choice("last_name")  # compared case-folded, shown as the newest record has it
    assert (last.value, last.reason, last.conflicts) == ("LEE", "all records agree", ())
    assert golden.choice("company_name").reason == "only one record has it"
    assert golden.choice("line1") == golden.choice("line1").__class__("line1", None, None, "no record has it")
    assert {c.field for c in golden.conflicts} == {"first_name", "phone"}

    undated = match([
        Customer(provider="a", id="1", email="bo@example.com", first_name="Bo"),
        Customer(provider="b", id="2", email="bo@example.com", first_name="Bob", last_name="Ray", phone="+3221111111"),
    ])
    choice = golden_record(undated.identities[0]).choice("first_name")
    assert (choice.value, choice.source, choice.reason) == ("Bob", "b:2", "most complete record")


def test_method_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [Customer(provider="a", id="1"), Customer(provider="b", id="2")]
    with pytest.raises(ConfigurationError, match="unknown matching method"):
        match(records, method="fuzzy")
    monkeypatch.setitem(sys.modules, "splink", None)
    with pytest.raises(ConfigurationError, match="identity") as info:
        match(records, method="probabilistic")
    assert info.value.operation == "match" and info.value.hint
    # one provider: nothing to link, no model to train
    monkeypatch.delitem(sys.modules, "splink")
    assert match([records[0]], method="probabilistic").identities == ()


def test_splink_stays_out_of_the_core_import_path() -> None:
    code = "import sys, custbridge, custbridge.reporting; print(sorted({'splink', 'duckdb', 'pyspark'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_report_match_probabilistic_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = cli.main(["report", "--sandbox", "--sandbox-size", "120", "--providers", "alpha,beta",
                     "--match", "probabilistic", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["identities"]["method"] == "probabilistic"
    assert data["identities"]["count"] > 0 and "probabilistic" in data["identities"]["by_key"]
    for item in data["identities"]["items"]:
        assert item["golden"]["email"]["reason"]
        for link in item["links"]:
            if link["kind"] == "probabilistic":
                assert link["probability"] >= 0.999 and link["agreed"] and len(link["comparisons"]) == 7
    assert cli.main(["report", "--sandbox", "--providers", "alpha", "--match", "fuzzy"]) == 2
    code = cli.main(["report", "--sandbox", "--sandbox-size", "60", "--providers", "alpha,beta",
                     "--match", "probabilistic", "--format", "html", "--output", "r.html"])
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and "golden record" in html and "all records agree" in html
