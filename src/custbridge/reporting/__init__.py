"""Cross-vendor reporting: collect, match, summarise and export customers of many providers.

Every function takes any iterable of :class:`~custbridge.Customer`, so a cross-vendor script
is a few lines::

    from custbridge.reporting import collect, match

    fetched = collect(["crm", "helpdesk"], sandbox=True)   # any two installed providers
    matches = match(fetched.customers)
    for record in matches.present_in("crm", not_in="helpdesk"):
        print(record.key, record.display_name)

For any number of customers in flat memory, stream instead of keeping them: pass
``keep=False`` and an ``on_customer`` callback (a :class:`ReportBuilder`'s ``add``, an
export writer's ``write``).
"""

from __future__ import annotations

from ._collect import Collection, ProviderRun, collect, collect_async
from ._export import (
    CSV_COLUMNS,
    FORMATS,
    CustomerWriter,
    customer_from_dict,
    customer_from_row,
    customer_to_dict,
    customer_to_row,
    export,
    open_writer,
    read_csv,
    read_jsonl,
)
from ._golden import GOLDEN_FIELDS, FieldChoice, GoldenRecord, golden_record
from ._html import render_html
from ._match import (
    LINK_KINDS,
    MATCH_KEYS,
    METHODS,
    Agreement,
    Conflict,
    Duplicate,
    Identity,
    Link,
    Matcher,
    MatchResult,
    Record,
    compact,
    match,
)
from ._normalize import normalise_email, normalise_phone
from ._probabilistic import ProbabilisticSettings
from ._providers import ProviderInfo, all_provider_info, capabilities_of, coverage_rows, has_sandbox, provider_info
from ._report import (
    Report,
    ReportBuilder,
    build_report,
    render_json,
    render_text,
    report_dict,
    run_report,
    run_report_async,
)
from ._summary import (
    COMPLETENESS_FIELDS,
    FieldCompleteness,
    ProviderSummary,
    Summary,
    SummaryBuilder,
    summarise,
)

__all__ = [
    "COMPLETENESS_FIELDS",
    "CSV_COLUMNS",
    "FORMATS",
    "GOLDEN_FIELDS",
    "LINK_KINDS",
    "MATCH_KEYS",
    "METHODS",
    "Agreement",
    "Collection",
    "Conflict",
    "CustomerWriter",
    "Duplicate",
    "FieldChoice",
    "FieldCompleteness",
    "GoldenRecord",
    "Identity",
    "Link",
    "MatchResult",
    "Matcher",
    "ProbabilisticSettings",
    "ProviderInfo",
    "ProviderRun",
    "ProviderSummary",
    "Record",
    "Report",
    "ReportBuilder",
    "Summary",
    "SummaryBuilder",
    "all_provider_info",
    "build_report",
    "capabilities_of",
    "collect",
    "collect_async",
    "compact",
    "coverage_rows",
    "customer_from_dict",
    "customer_from_row",
    "customer_to_dict",
    "customer_to_row",
    "export",
    "golden_record",
    "has_sandbox",
    "match",
    "normalise_email",
    "normalise_phone",
    "open_writer",
    "provider_info",
    "read_csv",
    "read_jsonl",
    "render_html",
    "render_json",
    "render_text",
    "report_dict",
    "run_report",
    "run_report_async",
    "summarise",
]
