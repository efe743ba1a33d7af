"""The ``custbridge`` command: providers, coverage, get, list, export, report, sandbox serve,
sync and changes (the customer store).

A thin layer over :mod:`custbridge.reporting`. Output is rich (tables, progress bars) only
on a terminal; piped or in CI it is plain text with no progress noise. Exit codes: 0 done,
1 a provider failed, 2 usage or configuration error (always one line on stderr, never a
traceback), 130 interrupted (Ctrl-C).

Adding a command: write one ``@subcommand`` block (see the existing ones) that adds its
parser to ``sub`` and sets ``func``; the parser, ``--help`` and shell completion pick it up.
Every ``--output FILE`` goes through :class:`OutputFile`: ``-`` is stdout, and a file is
written to a temporary name that replaces ``FILE`` only when the command succeeds.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from . import __version__
from ._inert import inert, inert_stream, rich_text
from .errors import ConfigurationError, CustbridgeError
from .model import Customer
from .provider import CANONICAL_FIELDS, Capabilities, FieldAccess
from .registry import provider_class, providers

__all__ = ["main"]

DEFAULT_HTML = "custbridge-report.html"
"""Where ``custbridge report`` writes its HTML file unless told otherwise."""
DEFAULT_SANDBOX_SIZE = 1000

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

LOG_LEVELS = ("debug", "info", "warning", "error")
"""Values of ``--log-level`` (``-v`` = info: retries and rate-limit waits; ``-vv`` = debug)."""

logger = logging.getLogger("custbridge.cli")


class UsageError(Exception):
    """A problem with the command line or the configuration: one line, exit code 2."""

    def __init__(self, message: str, *, prog: str = "custbridge") -> None:
        super().__init__(message)
        self.prog = prog
        """The (sub)command the message is about, e.g. ``custbridge report``."""


def _clip(value: object, width: int = 60) -> str:
    """``value`` on one line, cut to ``width`` characters with a visible ``…`` when longer."""
    text = _one_line(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_line(text: object) -> str:
    """``text`` on a single line (a usage error is always one line on stderr)."""
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- output


class Output:
    """Where the command writes: stdout for results, stderr for progress and notes."""

    def __init__(self, stdout: IO[str], stderr: IO[str], *, rich: bool | None = None) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.rich = _wants_rich(stdout) if rich is None else rich
        self.rich_err = _wants_rich(stderr) if rich is None else rich
        self._err_console: Any = None

    def print(self, text: str = "") -> None:
        """Write a line of results (vendor text in it made inert for a terminal)."""
        self.stdout.write(inert(text) + "\n")

    def note(self, text: str) -> None:
        """Write a line for the person at the terminal (stderr), made inert."""
        self.stderr.write(inert(text) + "\n")
        self.stderr.flush()

    def console(self, *, err: bool = False) -> Any:
        """A rich console on stdout or stderr (only when rich output is on).

        The stderr console is shared, so log lines and progress bars do not draw over each other.
        """
        from rich.console import Console

        if err:
            if self._err_console is None:
                self._err_console = Console(file=self.stderr, force_terminal=True, highlight=False, soft_wrap=False)
            return self._err_console
        return Console(file=self.stdout, force_terminal=True, highlight=False, soft_wrap=False)


def _wants_rich(stream: IO[str]) -> bool:
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        if not stream.isatty():
            return False
        import rich  # noqa: F401
    except (ImportError, AttributeError, ValueError):
        return False
    return True


def _file_mode(path: Path) -> int:
    """The permission bits a new file at ``path`` would get (an existing one keeps its own)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class OutputFile:
    """An ``--output`` target: ``-`` is stdout; a file is replaced only by :meth:`commit`.

    Opening checks at once that the file can be written (so a typo fails before any
    request). Results go to a temporary file next to it; :meth:`commit` renames it over
    the target, :meth:`discard` deletes it and leaves an existing file untouched.
    """

    def __init__(self, target: str, out: Output, *, binary: bool = False) -> None:
        self.target = target
        self.is_stdout = target == "-"
        self._tmp: str | None = None
        self.stream: Any
        if self.is_stdout:
            # Data stays exact in a pipe; on a terminal, vendor text cannot drive it.
            self.stream = out.stdout if binary else inert_stream(out.stdout)
            return
        path = Path(target)
        if path.is_dir():
            raise UsageError(f"cannot write {target}: it is a directory")
        try:
            fd, self._tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".",
                                             prefix=f".{path.name}.", suffix=".part")
            # mkstemp makes the file private (0600); the result gets the mode a plain write would
            # give it (the target's own, or 0666 less the umask), so a report stays shareable.
            os.chmod(fd, _file_mode(path))
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.stream = os.fdopen(fd, "wb") if binary else open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    @property
    def path(self) -> str | None:
        """The temporary file being written (``None`` for stdout)."""
        return self._tmp

    @property
    def where(self) -> str:
        """Human name of the target."""
        return "stdout" if self.is_stdout else self.target

    def commit(self, target: str | None = None) -> str:
        """Close and move the temporary file to ``target`` (default: the asked-for file)."""
        if self.is_stdout or self._tmp is None:
            with suppress(ValueError):
                self.stream.flush()
            return "stdout"
        final = target or self.target
        with suppress(ValueError):
            self.stream.close()
        try:
            os.replace(self._tmp, final)
        except OSError as exc:
            self.discard()
            raise UsageError(f"cannot write {final}: {exc.strerror or exc}") from None
        self._tmp = None
        return str(Path(final).resolve())

    def discard(self) -> None:
        """Close and delete the temporary file; the target is left as it was."""
        if self._tmp is None:
            return
        with suppress(ValueError, OSError):
            self.stream.close()
        with suppress(OSError):
            os.unlink(self._tmp)
        self._tmp = None


@contextmanager
def _results_to(args: argparse.Namespace, out: Output) -> Iterator[Output]:
    """``out`` with results going to ``--output`` (if given), committed only when the command succeeds."""
    target = getattr(args, "output", None)
    if target in (None, "-"):
        yield out
        return
    file = OutputFile(target, out)
    redirected = Output(file.stream, out.stderr, rich=False)
    redirected.rich_err = out.rich_err
    try:
        yield redirected
    except BaseException:
        file.discard()
        raise
    out.note(f"written to {file.commit()}")


def _table(out: Output, headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None,
           keep_whole: Sequence[int] = ()) -> None:
    """A table of results; columns in ``keep_whole`` are never wrapped or cut (ids to copy)."""
    if out.rich:
        from rich.table import Table

        table = Table(title=title, header_style="bold", title_justify="left")
        for index, header in enumerate(headers):
            if index in keep_whole:
                width = max([len(header), *(len(r[index]) for r in rows)])
                table.add_column(header, no_wrap=True, overflow="ignore", min_width=width)
            else:
                table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(rich_text(cell) for cell in row))  # vendor text as is, never markup
        out.console().print(table)
        return
    rows = [[inert(cell, newlines=False) for cell in row] for row in rows]  # vendor text: one line per row
    if title:
        out.print(title)
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    out.print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    out.print("  ".join("-" * w for w in widths))
    for row in rows:
        out.print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


# --------------------------------------------------------------------------- logging


def _configure_logging(args: argparse.Namespace, out: Output) -> logging.Handler | None:
    """Send custbridge's log (retries, rate-limit waits, HTTP calls) to stderr at the chosen level."""
    name = getattr(args, "log_level", None)
    verbose = getattr(args, "verbose", 0) or 0
    if name is None:
        name = "debug" if verbose >= 2 else "info" if verbose == 1 else None
    if name is None:
        return None
    level = getattr(logging, name.upper())
    handler: logging.Handler
    if out.rich_err:
        from rich.logging import RichHandler

        handler = RichHandler(console=out.console(err=True), show_path=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(out.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    for logger_name in ("custbridge", "httpx") if level <= logging.DEBUG else ("custbridge",):
        log = logging.getLogger(logger_name)
        log.addHandler(handler)
        log.setLevel(level)
    return handler


def _reset_logging(handler: logging.Handler | None) -> None:
    if handler is None:
        return
    for logger_name in ("custbridge", "httpx"):
        log = logging.getLogger(logger_name)
        if handler in log.handlers:
            log.removeHandler(handler)
            log.setLevel(logging.NOTSET)


# --------------------------------------------------------------------------- provider choice


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def _check_known(names: Sequence[str]) -> None:
    installed = providers()
    unknown = [n for n in names if n not in installed]
    if unknown:
        raise UsageError(
            f"unknown provider(s): {', '.join(unknown)}; installed: {', '.join(installed) or 'none'}"
        )


def _choose(args: argparse.Namespace, out: Output, explicit: Sequence[str]) -> list[str]:
    """The providers a command works on, checked against --sandbox and the credentials."""
    from .reporting import all_provider_info, provider_info

    if explicit:
        _check_known(explicit)
        infos = [provider_info(n) for n in explicit]
        broken = [i for i in infos if not i.loaded]
        if broken:
            raise UsageError("; ".join(f"{i.name}: {i.problem}" for i in broken))
        if args.sandbox:
            without = [i.name for i in infos if not i.sandbox]
            if without:
                raise UsageError(f"{', '.join(without)} ship(s) no sandbox; drop --sandbox to use real credentials")
            return list(explicit)
        unconfigured = [i for i in infos if not i.configured]
        if unconfigured:
            lines = [f"{i.name}: {_what_to_set(i.missing, i.problem)}" for i in unconfigured]
            raise UsageError(
                "not configured: " + "; ".join(lines) + "; or add --sandbox to use the built-in simulators"
            )
        return list(explicit)
    infos = all_provider_info()
    for info in infos:
        if not info.loaded:
            out.note(f"note: skipping {info.name}: {_one_line(info.problem)}")
    if args.sandbox:
        chosen = [i.name for i in infos if i.loaded and i.sandbox]
        # One vendor under two names (a rename) would match itself record for record.
        chosen = [n for n in chosen if provider_class(n).alias_of not in chosen]
        if not chosen:
            raise UsageError("no installed provider ships a sandbox")
        return chosen
    chosen = [i.name for i in infos if i.loaded and i.configured]
    if not chosen:
        lines = [f"{i.name} ({i.display}): {_what_to_set(i.missing, i.problem)}" for i in infos if i.loaded]
        raise UsageError(
            "no provider is configured; set the environment variables of the providers you use: "
            + "; ".join(lines)
            + "; or add --sandbox to try the built-in simulators with seeded customers"
        )
    return chosen


def _what_to_set(missing: Sequence[str], problem: str | None) -> str:
    if missing:
        return "set " + " and ".join(missing) + (f" ({problem})" if problem else "")
    return problem or "see the provider's README"


def _connect(args: argparse.Namespace, name: str) -> Any:
    """A sync client for ``get`` and ``list`` (sandbox or real credentials)."""
    import custbridge

    if args.sandbox:
        from .sandbox import connect as sandbox_connect

        return sandbox_connect(name, size=args.sandbox_size, seed=args.seed)
    return custbridge.connect(name)


# --------------------------------------------------------------------------- progress


@contextmanager
def _progress(out: Output, names: Sequence[str]) -> Iterator[Callable[[Any], None] | None]:
    """A per-provider progress bar on a terminal; nothing when stderr is not a terminal."""
    if not out.rich_err:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(bar_width=32),
        MofNCompleteColumn(),
        TextColumn("customers {task.fields[pages]:>5} pages {task.fields[waits]:>4} rate-limit waits"),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=out.console(err=True),
        transient=False,
    )
    tasks = {n: progress.add_task(n, total=None, pages=0, waits=0, state="") for n in names}

    def update(run: Any) -> None:
        state = ""
        if run.done:
            state = "[green]done" if run.failure is None else "[red]failed"
        total = run.total if run.total is not None else (run.customers if run.done else None)
        progress.update(
            tasks[run.provider], completed=run.customers, total=total, pages=run.pages,
            waits=run.rate_limited, state=state,
        )

    with progress:
        yield update


def _failures(out: Output, runs: Any) -> int:
    failed = 0
    for name, run in runs.items():
        if run.failure is not None:
            failed += 1
            out.note(f"error: {name} failed: {type(run.failure).__name__}: {_one_line(run.failure)}")
    return failed


# --------------------------------------------------------------------------- argument types


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {number}")
    return number


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {number}")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return number


def _faults(value: str) -> str:
    """Check ``RATE[:KINDS]`` now, so a typo is a usage error and not a failed run."""
    from .sandbox import FAULT_KINDS, FaultPlan

    try:
        plan = FaultPlan.parse(value)
    except ValueError as exc:
        message = str(exc)
        if "could not convert" in message:
            message = f"the rate must be a number between 0 and 1, got {value.partition(':')[0]!r}"
        if "known:" not in message:
            message += f"; kinds: {', '.join(FAULT_KINDS)}"
        raise argparse.ArgumentTypeError(f"{message} (format RATE[:KINDS], e.g. 0.2:429,500)") from None
    if not 0 <= plan.rate <= 1:
        raise argparse.ArgumentTypeError(f"the rate must be between 0 and 1, got {plan.rate:g}")
    return value


# --------------------------------------------------------------------------- the parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (raised, then printed by :func:`main`)."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{_one_line(message)} (see '{self.prog} --help')", prog=self.prog)


_Subparsers = Any
"""``argparse._SubParsersAction`` (private in typeshed)."""

_SUBCOMMANDS: list[Callable[[_Subparsers, argparse.ArgumentParser], None]] = []


def subcommand(define: Callable[[_Subparsers, argparse.ArgumentParser], None]) -> Callable[..., None]:
    """Register a function that adds one command's parser: ``define(sub, common)``.

    ``common`` is the parent parser with the data-source and logging options; the function
    calls ``sub.add_parser(name, parents=[common], ...)`` and sets ``func`` to the handler
    ``(args, out) -> exit code``. Commands appear in registration order.
    """
    _SUBCOMMANDS.append(define)
    return define


def _output_option(p: argparse.ArgumentParser, *, what: str = "the result") -> None:
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help=f"write {what} to FILE ('-' = stdout, the default); FILE is replaced only on success")


def _common_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    group = common.add_argument_group("data source")
    group.add_argument("--sandbox", action="store_true",
                       help="use the built-in vendor simulators instead of real credentials")
    group.add_argument("--sandbox-size", type=_positive, default=DEFAULT_SANDBOX_SIZE, metavar="N",
                       help=f"customers per simulator (default {DEFAULT_SANDBOX_SIZE})")
    group.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the simulated population")
    _logging_options(common, default=argparse.SUPPRESS)
    return common


def _logging_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    group = parser.add_argument_group("logging")
    group.add_argument("-v", "--verbose", action="count", default=default if default is argparse.SUPPRESS else 0,
                       help="show retries and rate-limit waits (-vv: every HTTP call)")
    group.add_argument("--log-level", choices=LOG_LEVELS, default=default if default is argparse.SUPPRESS else None,
                       help="log level on stderr (overrides -v)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``custbridge`` command."""
    common = _common_parser()
    parser = _Parser(
        prog="custbridge",
        description="Customers of many vendors in one canonical shape: report, match, export.",
        epilog="Real credentials come from each provider's environment variables (see "
               "`custbridge providers`); add --sandbox to try everything offline. "
               "Shell completion: see `custbridge completion --help`.",
    )
    parser.add_argument("--version", action="version", version=f"custbridge {__version__}")
    _logging_options(parser, default=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for define in _SUBCOMMANDS:
        define(sub, common)
    return parser


# --------------------------------------------------------------------------- commands


@subcommand
def _providers_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("providers", parents=[common], help="installed providers, configuration and capabilities")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _output_option(p)
    p.set_defaults(func=cmd_providers, results=True)


def cmd_providers(args: argparse.Namespace, out: Output) -> int:
    from .reporting import all_provider_info

    infos = all_provider_info()
    if args.format == "json":
        data = []
        for i in infos:
            caps = i.capabilities
            data.append({
                "name": i.name, "display": i.display, "loaded": i.loaded, "configured": i.configured,
                "missing": list(i.missing), "variables": list(i.variables), "sandbox": i.sandbox,
                "problem": None if i.configured else i.problem,
                "operations": caps.supported_operations() if caps else None,
                "filters": caps.supported_filters() if caps else None,
                "fields": {f: a.value for f, a in caps.fields.items()} if caps else None,
            })
        out.print(json.dumps(data, indent=2))
        return EXIT_OK
    rows = []
    for i in infos:
        if not i.loaded:
            rows.append([i.name, "", f"failed to load: {i.problem}", "", "", "", ""])
            continue
        caps = i.capabilities
        configured = "yes" if i.configured else f"no: {_what_to_set(i.missing, i.problem)}"
        readable = sum(1 for f in CANONICAL_FIELDS if caps and caps.field(f) is not FieldAccess.UNSUPPORTED)
        rows.append([
            i.name, i.display, configured, "yes" if i.sandbox else "no",
            ", ".join(caps.supported_operations()) if caps else "?",
            _filters_text(caps) if caps else "?",
            f"{readable}/{len(CANONICAL_FIELDS)}" if caps else "?",
        ])
    _table(out, ["provider", "vendor", "configured", "sandbox", "operations", "filters", "fields"], rows)
    return EXIT_OK


def _filters_text(caps: Any) -> str:
    canonical = [f for f in caps.supported_filters() if f not in caps.vendor_filters]
    text = ", ".join(canonical) or "none"
    if caps.vendor_filters:
        text += f" (+{len(caps.vendor_filters)} vendor)"
    return text


_SHORT = {"unsupported": "-"}


@subcommand
def _coverage_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("coverage", parents=[common], help="canonical-field coverage matrix per provider")
    p.add_argument("--providers", metavar="A,B", help="providers to show (default: all installed)")
    p.add_argument("--format", choices=("table", "markdown", "csv"), default="table")
    _output_option(p)
    p.set_defaults(func=cmd_coverage, results=True)


def cmd_coverage(args: argparse.Namespace, out: Output) -> int:
    from .reporting import capabilities_of, coverage_rows

    names = _split(args.providers) or providers()
    _check_known(names)
    caps: dict[str, Capabilities | None] = {}
    for name in names:
        try:
            caps[name] = capabilities_of(name)
        except CustbridgeError as exc:
            out.note(f"note: {name}: {_one_line(exc)}")
            caps[name] = None
    rows = list(coverage_rows(names, caps))
    if args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["kind", "name", *names])
        writer.writerows([kind, name, *values] for kind, name, values in rows)
        out.stdout.write(buffer.getvalue())
        return EXIT_OK
    if args.format == "markdown":
        out.print("| kind | name | " + " | ".join(names) + " |")
        out.print("|---|---|" + "---|" * len(names))
        for kind, name, values in rows:
            out.print(f"| {kind} | `{name}` | " + " | ".join(_SHORT.get(v, v) for v in values) + " |")
        out.print("")
        out.print("`-` = unsupported; emulated = done by custbridge on the client side.")
        return EXIT_OK
    table_rows = [[kind, name, *(_SHORT.get(v, v) for v in values)] for kind, name, values in rows]
    _table(out, ["kind", "name", *names], table_rows, title="Coverage (- = unsupported)")
    return EXIT_OK


def _customer_rows(customer: Customer, caps: Any) -> list[list[str]]:
    from .reporting import customer_to_dict

    data = customer_to_dict(customer)
    rows = [["key", customer.key]]
    for name, value in data.items():
        if name in ("key", "provider", "id"):
            continue
        if name in CANONICAL_FIELDS and caps is not None and caps.field(name) is FieldAccess.UNSUPPORTED:
            continue
        if value in (None, [], {}, ""):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, {}, []))
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append([name, str(value)])
    return rows


@subcommand
def _get_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("get", parents=[common], help="show one customer")
    p.add_argument("provider")
    p.add_argument("id", help="the vendor's customer id (the id column of `custbridge list`)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--raw", action="store_true", help="include the vendor payload (json)")
    _output_option(p)
    p.set_defaults(func=cmd_get, results=True)


def cmd_get(args: argparse.Namespace, out: Output) -> int:
    from .reporting import customer_to_dict

    _choose(args, out, [args.provider])
    with _connect(args, args.provider) as client:
        customer = client.get(args.id)
        if args.format == "json":
            out.print(json.dumps(customer_to_dict(customer, include_raw=args.raw), indent=2, ensure_ascii=False,
                                 default=str))
        else:
            _table(out, ["field", "value"], _customer_rows(customer, client.capabilities))
    return EXIT_OK


_LIST_COLUMNS = (("id", 16), ("name", 30), ("email", 34), ("phone", 18), ("status", 9), ("country", 7),
                 ("created", 10))


@subcommand
def _list_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("list", parents=[common], help="list customers of one provider")
    p.add_argument("provider")
    p.add_argument("--search", help="free-text search")
    p.add_argument("--status", metavar="S[,S]",
                   help="active, inactive, on_hold, deleted, unknown (a status the vendor cannot have "
                        "lists nothing)")
    p.add_argument("--tag", action="append", help="only customers with this tag (repeatable)")
    p.add_argument("--limit", type=_positive, metavar="N", help="stop after N customers")
    p.add_argument("--format", choices=("table", "jsonl", "ids"), default="table",
                   help="table (ids are never cut), jsonl, or ids (one full id per line, for `get`)")
    p.add_argument("--raw", action="store_true", help="include the vendor payload (jsonl)")
    _output_option(p)
    p.set_defaults(func=cmd_list, results=True)


def _list_row(c: Customer) -> list[str]:
    country = c.address.country if c.address is not None else None
    created = c.created_at.date().isoformat() if c.created_at else ""
    return [c.id, c.display_name, c.email or "", c.phone or "", c.status.value, country or "", created]


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    from .reporting import customer_to_dict

    _choose(args, out, [args.provider])
    filters: dict[str, Any] = {}
    if args.search:
        filters["search"] = args.search
    if args.status:
        filters["status"] = _split(args.status)
    if args.tag:
        filters["tags"] = args.tag
    with _connect(args, args.provider) as client:
        customers = client.list(max_items=args.limit, on_invalid="collect", **filters)
        count = 0
        if args.format == "jsonl":
            for customer in customers:
                out.print(json.dumps(customer_to_dict(customer, include_raw=args.raw), ensure_ascii=False,
                                     default=str))
                count += 1
        elif args.format == "ids":
            for customer in customers:
                out.print(customer.id)
                count += 1
        elif out.rich:
            rows = [_list_row(c) for c in customers]
            count = len(rows)
            _table(out, [name for name, _ in _LIST_COLUMNS], rows, keep_whole=(0,))
        else:
            # Streamed, so widths are fixed; an id longer than its column pushes the row
            # right instead of being cut (it must paste into `custbridge get`).
            out.print("  ".join(name.ljust(w) for name, w in _LIST_COLUMNS).rstrip())
            for customer in customers:
                cells = _list_row(customer)
                line = [cells[0].ljust(_LIST_COLUMNS[0][1])]
                line += [_fit(cell, w) for cell, (_, w) in zip(cells[1:], _LIST_COLUMNS[1:], strict=True)]
                out.print("  ".join(line).rstrip())
                count += 1
        for error in customers.errors:
            out.note(f"warning: skipped a record that failed to map: {_one_line(error)}")
    out.note(f"{count:,} customer(s)")
    return EXIT_OK


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


@subcommand
def _export_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[common], help="every customer of the chosen providers to a file")
    p.add_argument("--providers", metavar="A,B", help="providers (default: all configured, or all with --sandbox)")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), required=True)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="file to write ('-' = stdout for jsonl/csv); replaced only when every provider succeeds")
    p.add_argument("--raw", action="store_true", help="include vendor payloads (jsonl)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace, out: Output) -> int:
    from .reporting import collect_async, open_writer

    fmt = args.format
    if args.output == "-" and fmt == "parquet":
        raise UsageError("parquet cannot be written to stdout; give --output FILE")
    names = _choose(args, out, _split(args.providers))
    target = OutputFile(args.output, out, binary=fmt == "parquet")
    try:
        try:
            writer = open_writer(target.stream, fmt, include_raw=args.raw)
        except ConfigurationError as exc:
            raise UsageError(str(exc)) from None
        with writer, _progress(out, names) as progress:
            collection = asyncio.run(collect_async(
                names, sandbox=args.sandbox, sandbox_size=args.sandbox_size, seed=args.seed,
                on_customer=writer.write, progress=progress, keep=False,
            ))
    except BaseException:
        target.discard()
        raise
    failed = _failures(out, collection.runs)
    where = _commit_after(out, target, failed=bool(failed), what=f"{fmt} export")
    out.note(f"wrote {writer.count:,} customers from {len(names)} provider(s) to {where} ({fmt})")
    if collection.errors:
        out.note(f"warning: {len(collection.errors):,} record(s) failed to map and were left out")
    return EXIT_FAILED if failed else EXIT_OK


def _commit_after(out: Output, target: OutputFile, *, failed: bool, what: str) -> str:
    """Commit ``target``; after a failed run, an existing file is kept and the new one goes next to it."""
    if target.is_stdout:
        return target.commit()
    if not failed or not Path(target.target).exists():
        target.commit()
        return target.target
    path = Path(target.target)
    beside = str(path.with_name(f"{path.stem}.failed{path.suffix}"))
    target.commit(beside)
    out.note(f"warning: a provider failed, so the existing {path} was kept; this run's {what} is in {beside}")
    return beside


@subcommand
def _report_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[common], help="cross-vendor report: counts, completeness, identities")
    p.add_argument("--providers", metavar="A,B", help="providers (default: all configured, or all with --sandbox)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the report here ('-' = stdout; default: stdout, html: ./" + DEFAULT_HTML + ")")
    p.add_argument("--html", metavar="FILE",
                   help=f"where the HTML report goes (text format writes ./{DEFAULT_HTML} by default; '-' = stdout)")
    p.add_argument("--no-html", action="store_true", help="do not write the HTML file")
    p.add_argument("--limit", type=_positive, default=10, metavar="N", help="rows per list in the text report")
    p.add_argument("--faults", type=_faults, metavar="RATE[:KINDS]",
                   help="simulator faults, e.g. 0.2:429,500 (with --sandbox)")
    p.add_argument("--from-store", nargs="?", const="customers.duckdb", metavar="PATH",
                   help="build the report from the customer store (no vendor call), with the sync trend "
                        "(default PATH ./customers.duckdb)")
    p.add_argument("--match", choices=("exact", "probabilistic"), default="exact",
                   help="identity matching: exact keys (default) or probabilistic (splink; the identity extra)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace, out: Output) -> int:
    from .reporting import render_html, render_json, render_text, run_report_async

    if args.faults and not args.sandbox:
        raise UsageError("--faults needs --sandbox (faults are injected by the simulators)")
    if args.match == "probabilistic":
        import importlib.util

        missing = [m for m in ("splink", "nicknames", "duckdb") if importlib.util.find_spec(m) is None]
        if missing:  # before any request
            raise UsageError(f'--match probabilistic needs {", ".join(missing)}: pip install "custbridge[identity]"')
    main_target = args.output or ("-" if args.format != "html" else args.html or DEFAULT_HTML)
    html_target: str | None = None
    if args.format != "html" and not args.no_html:
        html_target = args.html or (DEFAULT_HTML if args.format == "text" else None)
    if html_target == "-" and main_target == "-":
        raise UsageError("the report and the HTML file cannot both go to stdout; give --output or --html a FILE")
    if args.from_store is not None and (args.sandbox or args.providers or args.faults):
        raise UsageError("--from-store reads the store only: drop --sandbox, --providers and --faults")
    names = [] if args.from_store is not None else _choose(args, out, _split(args.providers))
    # Open (and so check) every file before fetching; nothing is replaced unless the run ends.
    targets = [OutputFile(main_target, out)]
    if html_target:
        targets.append(OutputFile(html_target, out))
    try:
        if args.from_store is not None:
            from .sync import report_from_store

            report = report_from_store(args.from_store, match=args.match)
        else:
            with _progress(out, names) as progress:
                report = asyncio.run(run_report_async(
                    names, sandbox=args.sandbox, sandbox_size=args.sandbox_size, seed=args.seed,
                    faults=args.faults, progress=progress, match=args.match,
                ))
        renderers = {"text": lambda: render_text(report, limit=args.limit), "json": lambda: render_json(report),
                     "html": lambda: render_html(report)}
        targets[0].stream.write(renderers[args.format]())
        if html_target:
            targets[1].stream.write(render_html(report))
    except BaseException:
        for target in targets:
            target.discard()
        raise
    failed = _failures(out, report.runs)
    kinds = [args.format, "HTML"]
    for target, kind in zip(targets, kinds, strict=False):
        where = _commit_after(out, target, failed=bool(failed), what=f"{kind} report")
        if not target.is_stdout:
            out.note(f"{kind} report written to {Path(where).resolve()}")
    return EXIT_FAILED if failed else EXIT_OK


@subcommand
def _sandbox_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sandbox", help="the vendor simulators")
    sandbox_sub = p.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND", parser_class=_Parser)
    s = sandbox_sub.add_parser("serve", parents=[common], help="serve the simulators over HTTP on 127.0.0.1")
    s.add_argument("--providers", metavar="A,B", help="providers (default: every one with a sandbox)")
    s.add_argument("--port", type=_port, default=0, metavar="N",
                   help="first port (the next providers take the following ports; default: any free port)")
    s.add_argument("--faults", type=_faults, metavar="RATE[:KINDS]", help="inject faults, e.g. 0.2:429,500")
    s.add_argument("--timeout", type=_seconds, metavar="SECONDS", help="stop after SECONDS (default: run until Ctrl-C)")
    s.set_defaults(func=cmd_sandbox_serve)
    p.set_defaults(func=None, subparser=p)


def cmd_sandbox_serve(args: argparse.Namespace, out: Output) -> int:
    from .sandbox import create_app

    args.sandbox = True
    names = _choose(args, out, _split(args.providers))
    if args.port and args.port + len(names) - 1 > 65535:
        raise UsageError(f"--port {args.port} leaves no room for {len(names)} simulators (ports go up to 65535)")
    servers = []
    try:
        for offset, name in enumerate(names):
            app = create_app(name, size=args.sandbox_size, seed=args.seed, faults=args.faults)
            cls = provider_class(name)
            port = args.port + offset if args.port else 0
            try:
                server = app.serve(port=port)
            except (OSError, OverflowError) as exc:
                raise UsageError(f"cannot listen on 127.0.0.1:{port}: {_one_line(exc)}") from None
            servers.append(server)
            settings = server.settings()
            envs = {s.name: s.env for s in cls.settings_spec if s.env}
            out.print(f"{name} ({cls.display or name}): {server.url}")
            out.print("  connect: " + ", ".join(f"{k}={v!r}" for k, v in settings.items()))
            exports = [f"{envs[k]}={v}" for k, v in settings.items() if k in envs]
            if exports:
                out.print("  env:     " + " ".join(exports))
        out.print(
            f"serving {len(servers)} simulator(s) with {args.sandbox_size:,} customers each"
            + (f", faults {args.faults}" if args.faults else "")
            + ("; press Ctrl-C to stop" if args.timeout is None else f"; stopping after {args.timeout:g}s")
        )
        out.stdout.flush()
        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for server in servers:
            server.stop()
    return EXIT_OK


@subcommand
def _schema_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("schema", help="JSON Schema of a customer as list/get/export write it (to_dict)")
    _output_option(p, what="the schema")
    p.set_defaults(func=cmd_schema, results=True)


def cmd_schema(args: argparse.Namespace, out: Output) -> int:
    """Print the JSON Schema of ``Customer.to_dict()`` (the JSON lines of ``list``/``export``)."""
    from ._dicts import customer_json_schema

    out.stdout.write(json.dumps(customer_json_schema(), indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


@subcommand
def _completion_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script for commands, options, providers and formats. Install: "
                    "bash: eval \"$(custbridge completion bash)\" in ~/.bashrc; "
                    "zsh: eval \"$(custbridge completion zsh)\" in ~/.zshrc; "
                    "fish: custbridge completion fish > ~/.config/fish/completions/custbridge.fish",
    )
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    _output_option(p, what="the script")
    p.set_defaults(func=cmd_completion, results=True)


def cmd_completion(args: argparse.Namespace, out: Output) -> int:
    from ._completion import script

    out.stdout.write(script(args.shell))
    return EXIT_OK


# --------------------------------------------------------------------------- the customer store (sync)

DEFAULT_STORE = "customers.duckdb"
"""Where ``custbridge sync`` keeps the customer store unless told otherwise (custbridge.sync.DEFAULT_STORE)."""


@subcommand
def _sync_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common], help="sync providers into the customer store (history, removals)")
    p.add_argument("--providers", metavar="A,B", help="providers (default: all configured, or all with --sandbox)")
    p.add_argument("--destination", metavar="PATH|NAME", default=DEFAULT_STORE,
                   help=f"a DuckDB file (default ./{DEFAULT_STORE}) or a dlt destination name configured "
                        "the dlt way (e.g. postgres)")
    p.add_argument("--dataset", default="custbridge", help="dataset (schema) of the tables (default custbridge)")
    p.add_argument("--page-size", type=_positive, metavar="N", help="page size of the listings")
    p.add_argument("--raw", action="store_true", help="store the vendor payload too")
    p.add_argument("--sandbox-day", type=int, default=0, metavar="N",
                   help="with --sandbox: the simulators as after N days of edits (each day 2 added, "
                        "3 changed, 1 removed per provider), to see a change feed")
    p.set_defaults(func=cmd_sync)


def _sandbox_clients(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    from .sandbox import connect as sandbox_connect
    from .sandbox import create_app

    clients = {}
    for name in names:
        app = create_app(name, size=args.sandbox_size, seed=args.seed)
        for day in range(1, args.sandbox_day + 1):
            app.mutate(add=2, change=3, remove=1, seed=day)
        clients[name] = sandbox_connect(name, app=app)
    return clients


def cmd_sync(args: argparse.Namespace, out: Output) -> int:
    from . import sync

    if args.sandbox_day and not args.sandbox:
        raise UsageError("--sandbox-day needs --sandbox")
    if args.sandbox_day < 0:
        raise UsageError("--sandbox-day must be >= 0")
    names = _choose(args, out, _split(args.providers))
    clients = _sandbox_clients(args, names) if args.sandbox else {n: _connect(args, n) for n in names}
    try:
        with _sync_progress(out, names) as progress:
            result = sync.run(clients, destination=args.destination, dataset=args.dataset,
                              include_raw=args.raw, page_size=args.page_size, progress=progress)
    finally:
        for client in clients.values():
            client.close()
    rows = [
        [name, f"{p.added:,}", f"{p.changed:,}", f"{p.removed:,}", f"{p.unchanged:,}",
         "yes" if p.complete else "no: continues next run"]
        for name, p in result.providers.items()
    ]
    _table(out, ["provider", "added", "changed", "removed", "unchanged", "complete"], rows,
           title=f"Synced into {result.destination} ({result.dataset})")
    for name, p in result.providers.items():
        if not p.complete:
            out.note(f"warning: {name} stopped early, nothing was marked removed: {_one_line(p.error or '')}")
    return EXIT_OK if result.complete else EXIT_FAILED


@contextmanager
def _sync_progress(out: Output, names: Sequence[str]) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A progress bar per provider while syncing (terminal only)."""
    if not out.rich_err:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]{task.description:<14}"), BarColumn(bar_width=32), MofNCompleteColumn(),
                        TextColumn("customers"), TimeElapsedColumn(), console=out.console(err=True))
    tasks = {n: progress.add_task(n, total=None) for n in names}

    def update(name: str, listed: int, total: int | None) -> None:
        progress.update(tasks[name], completed=listed, total=total)

    with progress:
        yield update


@subcommand
def _changes_command(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("changes", help="what changed in the customer store: added, changed (which fields), removed")
    p.add_argument("--store", metavar="PATH", default=DEFAULT_STORE,
                   help=f"the DuckDB store (default ./{DEFAULT_STORE})")
    p.add_argument("--dataset", default="custbridge", help="dataset (schema) of the tables")
    p.add_argument("--since", default="last", metavar="DATE|last",
                   help="changes after DATE (ISO, UTC unless it says), or 'last': what the latest sync changed")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="rows per list in the text output")
    _output_option(p)
    _logging_options(p, default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_changes, results=True)


def _since(text: str) -> Any:
    from datetime import datetime

    if text == "last":
        return text
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since: {text!r} is not a date (2026-11-30, 2026-11-30T08:00+01:00) or 'last'") from None


def cmd_changes(args: argparse.Namespace, out: Output) -> int:
    from . import sync

    since = _since(args.since)
    with sync.open_store(args.store, dataset=args.dataset) as store:
        changes = store.changes(since)
    if args.format == "json":
        out.stdout.write(json.dumps(sync.changes_dict(changes), indent=2, ensure_ascii=False, default=str) + "\n")
        return EXIT_OK
    if not changes:
        out.print("No sync run recorded yet.")
    for name, pc in changes.items():
        out.print(f"{name}: {len(pc.added):,} added, {len(pc.changed):,} changed, {len(pc.removed):,} removed")
        for mark, items in (("+", pc.added), ("~", pc.changed), ("-", pc.removed)):
            for change in items[: args.limit]:
                line = f"  {mark} {change.key}  {_one_line(change.display_name)}"
                if change.fields:
                    line += "  [" + ", ".join(
                        f"{f}: {_clip(change.before[f])} -> {_clip(change.after[f])}"
                        for f in change.fields
                    ) + "]"
                out.print(line)
            if len(items) > args.limit:
                out.print(f"  {mark} ... {len(items) - args.limit:,} more")
    return EXIT_OK


# --------------------------------------------------------------------------- main


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    rich: bool | None = None,
) -> int:
    """Run the command; return its exit code (the console script exits with it)."""
    out = Output(stdout or sys.stdout, stderr or sys.stderr, rich=rich)
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if words[:1] == ["__complete"]:  # called by the completion scripts
        from ._completion import candidates

        out.stdout.write("".join(c + "\n" for c in candidates(parser, words[1:])))
        return EXIT_OK
    handler: logging.Handler | None = None
    try:
        try:
            args = parser.parse_args(words)
        except SystemExit as exc:  # --help, --version
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
        func = getattr(args, "func", None)
        if func is None:
            (getattr(args, "subparser", None) or parser).print_help(out.stderr)
            return EXIT_USAGE
        handler = _configure_logging(args, out)
        if getattr(args, "results", False):
            with _results_to(args, out) as results:
                code: int = func(args, results)
            return code
        code = func(args, out)
        return code
    except KeyboardInterrupt:
        out.note("interrupted")
        return EXIT_INTERRUPTED
    except UsageError as exc:
        out.note(f"{exc.prog}: error: {_one_line(exc)}")
        return EXIT_USAGE
    except ConfigurationError as exc:
        out.note(f"custbridge: error: {_one_line(exc)}")
        return EXIT_USAGE
    except CustbridgeError as exc:
        out.note(f"custbridge: {type(exc).__name__}: {_one_line(exc)}")
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. `custbridge list ... | head`: the reader has all it wants
        if out.stdout is sys.stdout:
            with suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file or socket the command was pointed at
        where = f" ({exc.filename})" if exc.filename else ""
        out.note(f"custbridge: error: {_one_line(exc.strerror or exc)}{where}")
        return EXIT_USAGE
    except Exception as exc:  # a bug: still one line; the traceback is in the debug log
        logger.debug("unexpected error", exc_info=True)
        out.note(f"custbridge: unexpected error: {type(exc).__name__}: {_one_line(exc)} "
                 "(rerun with --log-level debug for the traceback)")
        return EXIT_FAILED
    finally:
        with suppress(BrokenPipeError, ValueError):
            out.stdout.flush()
        _reset_logging(handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
