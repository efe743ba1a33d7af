"""The probabilistic method on Spark (local mode) finds the same links as on DuckDB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from custbridge.reporting import ProbabilisticSettings, match
from custbridge.sandbox import Population

pytest.importorskip("splink")
pytest.importorskip("pyspark")
if shutil.which("java") is None:  # .ci/run installs a Java runtime from Debian packages
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

# Small (Spark local mode is slow to run splink's many small steps), every shared person noisy.
POPULATION = Population(seed=4, size=100, noise=1.0)
# A sample as big as all pairs: the u estimates, and so the model, do not depend on how each
# backend draws its random sample.
SETTINGS = ProbabilisticSettings(u_max_pairs=1e6, max_iterations=10)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[2]")
        .appName("custbridge-identity-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _links(result: Any) -> dict[frozenset[str], tuple[str, ...]]:
    return {
        frozenset(link.keys): link.agreed
        for identity in result.identities
        for link in identity.links
        if link.kind == "probabilistic"
    }


def test_spark_finds_the_same_links_as_duckdb(spark: Any) -> None:
    customers = list(POPULATION.customers())
    on_duckdb = match(customers, method="probabilistic", settings=SETTINGS)
    on_spark = match(customers, method="probabilistic", settings=SETTINGS, spark=spark)
    assert _links(on_duckdb), "the small population has links only the model finds"
    assert _links(on_spark) == _links(on_duckdb)
    assert [i.keys for i in on_spark.identities] == [i.keys for i in on_duckdb.identities]
    probabilities = {
        frozenset(link.keys): link.probability for i in on_spark.identities for link in i.links if link.probability
    }
    for identity in on_duckdb.identities:
        for link in identity.links:
            if link.probability is not None:
                assert probabilities[frozenset(link.keys)] == pytest.approx(link.probability, abs=1e-6)
