"""Probabilistic identity matching: a Fellegi-Sunter model trained on the data, run by splink.

Exact keys link records that share a normalised e-mail or phone. People also use a work
e-mail at one vendor and a home one at another, change numbers, move, and are typed with
small errors; this method compares every field that says who a customer is and weighs the
evidence:

=============  =====================================================================
first name     exact; same nickname family (Bob / Robert, from the ``nicknames``
               dataset); Jaro-Winkler >= 0.92; >= 0.80
last name      exact; Jaro-Winkler >= 0.92; >= 0.80
e-mail         exact; same user name (at another domain)
phone          exact (E.164); at most 2 digits different
address line   exact; Jaro-Winkler >= 0.95
place          postal code and city; postal code; city; country only
company        exact; Jaro-Winkler >= 0.90
=============  =====================================================================

Blocking (which pairs are scored at all): the same e-mail, phone, e-mail user name, or
address line and postal code, or the same first and last name in the same postal code
(for populations up to :attr:`ProbabilisticSettings.name_blocking_limit` records). The
model is unsupervised: the prior from the pairs that share an e-mail or a phone, the *u*
probabilities from a seeded random sample of pairs, the *m* probabilities by
expectation-maximisation on pairs blocked by phone and by e-mail. Pairs at or above
:attr:`ProbabilisticSettings.threshold` are links; each keeps its match probability, its
match weight and every comparison's level and weight, so a link explains itself.

splink, DuckDB (and for :func:`probabilistic_pairs` on Spark, pyspark) are imported here
only, when the method runs: ``pip install "custbridge[identity]"``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..errors import ConfigurationError
from ._match import Agreement, Record

__all__ = ["ProbabilisticSettings", "ScoredPair", "probabilistic_pairs"]


@attrs.frozen
class ProbabilisticSettings:
    """Settings of the probabilistic method (every threshold of it lives here)."""

    threshold: float = 0.999
    """Match probability at or above which a scored pair is linked."""
    seed: int = 42
    """Seed of the random pair sample that estimates the *u* probabilities (same data and
    seed: same model, same links)."""
    u_max_pairs: float = 2e6
    """Size of that random sample, in pairs."""
    prior_recall: float = 0.8
    """Assumed recall of "same e-mail or same phone", used to estimate the prior (the
    probability that two random records match)."""
    max_iterations: int = 25
    """Expectation-maximisation iterations per training session."""
    name_blocking_limit: int = 50_000
    """Also score pairs with the same first and last name in the same postal code when
    there are at most this many records (the block grows with the square of the data)."""


@attrs.frozen
class ScoredPair:
    """One pair of records at or above the threshold, with its evidence."""

    left: int
    """Index of one record in the input sequence."""
    right: int
    """Index of the other record."""
    probability: float
    """Match probability."""
    weight: float
    """Match weight (log2 of the odds; prior included)."""
    comparisons: tuple[Agreement, ...]
    """Every comparison's level and weight for this pair."""


def _fold(text: str | None) -> str | None:
    if not text:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out = " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
    return out or None


def _name_family(name: str | None, namer: Any) -> list[str] | None:
    if name is None:
        return None
    return sorted({name} | {n.casefold() for n in namer.canonicals_of(name)})


def _table(records: Sequence[Record], indexes: Sequence[int], namer: Any) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "unique_id",
            "first_name",
            "first_names",
            "last_name",
            "email",
            "email_user",
            "phone",
            "line1",
            "postal_code",
            "city",
            "country",
            "company",
        )
    }
    for index in indexes:
        record = records[index]
        first = _fold(record.first_name)
        columns["unique_id"].append(index)
        columns["first_name"].append(first)
        columns["first_names"].append(_name_family(first, namer))
        columns["last_name"].append(_fold(record.last_name))
        columns["email"].append(record.email)
        columns["email_user"].append(record.email.split("@", 1)[0] if record.email else None)
        columns["phone"].append(record.phone)
        columns["line1"].append(_fold(record.line1))
        postal = _fold(record.postal_code)
        columns["postal_code"].append(postal.replace(" ", "") if postal else None)
        columns["city"].append(_fold(record.city))
        columns["country"].append(_fold(record.country))
        columns["company"].append(record.company_name)
    return columns


def _model(settings: ProbabilisticSettings, n_records: int) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = [
        cl.CustomComparison(
            [
                cll.NullLevel("first_name"),
                cll.ExactMatchLevel("first_name"),
                cll.ArrayIntersectLevel("first_names", 1).configure(label_for_charts="Same nickname family"),
                cll.JaroWinklerLevel("first_name", 0.92),
                cll.JaroWinklerLevel("first_name", 0.8),
                cll.ElseLevel(),
            ],
            output_column_name="first_name",
        ),
        cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]),
        cl.CustomComparison(
            [
                cll.NullLevel("email"),
                cll.ExactMatchLevel("email"),
                cll.ExactMatchLevel("email_user").configure(label_for_charts="Same user name"),
                cll.ElseLevel(),
            ],
            output_column_name="email",
        ),
        cl.LevenshteinAtThresholds("phone", [2]),
        cl.JaroWinklerAtThresholds("line1", [0.95]),
        cl.CustomComparison(
            [
                cll.CustomLevel(
                    "(postal_code_l IS NULL OR postal_code_r IS NULL) AND (city_l IS NULL OR city_r IS NULL)"
                    " AND (country_l IS NULL OR country_r IS NULL)",
                    label_for_charts="place is NULL",
                ).configure(is_null_level=True),
                cll.CustomLevel(
                    "postal_code_l = postal_code_r AND city_l = city_r", label_for_charts="Same postal code and city"
                ),
                cll.ExactMatchLevel("postal_code").configure(label_for_charts="Same postal code"),
                cll.ExactMatchLevel("city").configure(label_for_charts="Same city"),
                cll.ExactMatchLevel("country").configure(label_for_charts="Same country only"),
                cll.ElseLevel(),
            ],
            output_column_name="place",
        ),
        cl.JaroWinklerAtThresholds("company", [0.9]),
    ]
    blocking: list[Any] = [
        block_on("email"),
        block_on("phone"),
        block_on("email_user"),
        block_on("line1", "postal_code"),
    ]
    if n_records <= settings.name_blocking_limit:
        blocking.append(block_on("first_name", "last_name", "postal_code"))
    return SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        max_iterations=settings.max_iterations,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def _labels(model: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """Per comparison output column: comparison vector value -> level label."""
    out: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        value = sum(1 for level in levels if not level.get("is_null_level")) - 1
        labels: dict[int, str] = {}
        for level in levels:
            label = level.get("label_for_charts") or level["sql_condition"]
            if level.get("is_null_level"):
                labels[-1] = label
            else:
                labels[value] = label
                value -= 1
        out[comparison["output_column_name"]] = labels
    return out


def probabilistic_pairs(
    records: Sequence[Record],
    settings: ProbabilisticSettings | None = None,
    *,
    spark: Any = None,
) -> list[ScoredPair]:
    """Score cross-provider pairs of ``records`` and return those at or above the threshold.

    Runs on DuckDB in this process, or on Spark when a ``SparkSession`` is given (the same
    model, the same links). Raises :class:`~custbridge.ConfigurationError` when splink (or
    pyspark) is not installed.
    """
    settings = settings or ProbabilisticSettings()
    by_provider: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_provider.setdefault(record.provider, []).append(index)
    if len(by_provider) < 2:
        return []
    try:
        import duckdb  # noqa: F401
        from nicknames import NickNamer
        from splink import Linker, block_on
    except ImportError as exc:
        raise ConfigurationError(
            'probabilistic matching needs splink: pip install "custbridge[identity]"',
            operation="match",
            hint='install the "identity" extra',
        ) from exc
    db_api = _backend(spark)
    namer = NickNamer()
    tables = [
        db_api.register(_table(records, indexes, namer), dataset_display_name=provider, table_name=f"cb_{i}")
        for i, (provider, indexes) in enumerate(sorted(by_provider.items()))
    ]
    linker = Linker(tables, _model(settings, len(records)), log_level=None)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=settings.prior_recall
    )
    training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    predictions = linker.inference.predict(threshold_match_probability=settings.threshold)
    labels = _labels(linker.misc.save_model_to_json())
    pairs: list[ScoredPair] = []
    for row in predictions.as_record_list():
        comparisons = tuple(
            Agreement(
                comparison=name,
                level=levels.get(int(row[f"gamma_{name}"]), "?"),
                weight=round(float(row[f"mw_{name}"]) + float(row.get(f"mw_tf_adj_{name}") or 0.0), 3),
            )
            for name, levels in labels.items()
        )
        left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        pairs.append(
            ScoredPair(
                left=left,
                right=right,
                probability=float(row["match_probability"]),
                weight=round(float(row["match_weight"]), 3),
                comparisons=comparisons,
            )
        )
    predictions.drop_table_from_database_and_remove_from_cache()
    pairs.sort(key=lambda p: (p.left, p.right))
    return pairs


def _backend(spark: Any) -> Any:
    if spark is None:
        from splink import DuckDBAPI

        return DuckDBAPI()
    try:
        from splink.backends.spark import SparkAPI as spark_api
    except ImportError as exc:
        raise ConfigurationError(
            'matching on Spark needs pyspark: pip install "custbridge[identity,spark]"',
            operation="match",
            hint='install the "spark" extra',
        ) from exc
    api: Any = spark_api  # splink's SparkAPI is not annotated
    return api(spark_session=spark, break_lineage_method="persist")
