"""``thumbwatch export referral`` and ``thumbwatch verify``: thin commands over `evidence.referral`
and `evidence.verify`. Registered by `crawler.cli`; ``export hits`` (`crawler.export_command`)
joins the ``export`` sub-app here.

The actor is the OS user, with the review role ``THUMBWATCH_CLI_ROLE`` (default supervisor).
Exit codes: 0 ok; 1 the work failed (evidence missing or altered in the store, Chromium failed,
verification found problems); 2 a usage error (unknown listing, listing not confirmed, blob over
the package size bound, unit not configured, path taken, not a package, no hit to share).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from crawler.cli import _sessions, _state, err, fail
from crawler.config import get_settings
from crawler.output import OutputFormat, write_rows

export_app = typer.Typer(
    no_args_is_help=True, help="Export evidence: takedown referral packages, hits for other agencies."
)

T = TypeVar("T")
REFERRAL_COLUMNS = ("referral_id", "marketplace", "listings", "package", "package_sha256")
PROBLEM_COLUMNS = ("subject", "kind", "detail")
MAX_RECORDED_PROBLEMS = 100


def _guarded(fn: Callable[[], T]) -> T:
    """Run `fn`: bad input becomes exit 2, damaged evidence or a failed tool exit 1, one line each."""
    from evidence.notice import NoticeConfigError
    from evidence.package import PackageFormatError
    from evidence.referral import EvidenceIntegrityError, ReferralError
    from evidence.report import ReportRenderError
    from evidence.share import ShareError
    from matching import CatalogError
    from review.workflow import TransitionError
    from storage.db import DatabaseError

    usage = (
        ReferralError,
        ShareError,
        NoticeConfigError,
        PackageFormatError,
        TransitionError,
        CatalogError,
        DatabaseError,
    )
    try:
        return fn()
    except usage as exc:
        code = 2
        message = str(exc)
    except (EvidenceIntegrityError, ReportRenderError, OSError) as exc:
        code = 1
        message = str(exc)
    if _state["verbose"]:
        err.print_exception()
    raise fail(message.replace("\n", "; "), code)


def _actor() -> tuple[str, Any]:
    from crawler.catalog_store import default_importer
    from review.workflow import Role

    return default_importer(), Role(get_settings().cli_role)


@export_app.command("referral")
def export_referral_command(
    listing_ids: Annotated[list[int], typer.Argument(help="Listing ids, as `thumbwatch hits` shows them.")],
    out: Annotated[Path, typer.Option("--out", help="The package: a new directory, or a .zip file.")],
    allow_unreviewed: Annotated[
        bool,
        typer.Option(
            "--allow-unreviewed", help="Confirm new or escalated listings first (recorded as such)."
        ),
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Write a takedown referral package (one folder per marketplace) and record the referral."""
    from crawler.catalog_store import active_catalog
    from evidence.notice import configured_unit
    from evidence.referral import export_referral
    from evidence.store import evidence_store

    def run() -> Any:
        unit = configured_unit()
        actor, role = _actor()
        return export_referral(
            _sessions(),
            listing_ids,
            out,
            store=evidence_store(),
            unit=unit,
            catalog=active_catalog(),
            actor=actor,
            role=role,
            allow_unreviewed=allow_unreviewed,
            four_eyes=get_settings().four_eyes,
        )

    with err.status("writing the referral package…"):
        result = _guarded(run)
    write_rows(result.rows(), fmt, REFERRAL_COLUMNS, title="referrals")
    err.print(f"package {result.package_path}  sha256 {result.package_sha256}", highlight=False)


def _existing_sessions() -> Any:
    """Sessions on the configured database, or None when there is none yet (no file is created)."""
    settings = get_settings()
    if settings.database_url is None and not (settings.resolved_home / "thumbwatch.db").is_file():
        return None
    return _sessions()


def _record_verification(sessions: Any, action: str, details: dict[str, Any], problems: list[Any]) -> None:
    from evidence.custody import append_custody

    actor, _role = _actor()
    details = {
        **details,
        "ok": not problems,
        "problem_count": len(problems),
        "problems": [str(p) for p in problems[:MAX_RECORDED_PROBLEMS]],
    }
    with sessions.begin() as session:
        append_custody(session, actor=actor, action=action, details=details)


def verify_command(
    package: Annotated[
        Path | None, typer.Argument(help="A referral package (directory or .zip); none: the whole store.")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Append the result to the custody log.")
    ] = True,
    fmt: Annotated[
        OutputFormat | None, typer.Option("--format", help="Problems as a table, json, jsonl or csv.")
    ] = None,
) -> None:
    """Verify a referral package offline, or (no argument) the evidence store and custody log."""
    from evidence.package import package_sha256
    from evidence.store import evidence_store
    from evidence.verify import verify_package, verify_store

    def run() -> tuple[list[Any], str]:
        if package is None:
            sessions = _sessions()
            store = evidence_store()
            with sessions() as session:
                problems = verify_store(session, store)
            if record:
                _record_verification(sessions, "verify.store", {"store": str(store.root)}, problems)
            return problems, f"evidence store {store.root} and custody log"
        problems = verify_package(package)
        sessions = _existing_sessions() if record else None
        if sessions is not None:
            details = {"package": str(package.absolute())}
            if package.is_file() or (package / "SHA256SUMS").is_file():
                details["package_sha256"] = package_sha256(package)
            _record_verification(sessions, "verify.package", details, problems)
        elif record:
            err.print("no database: the verification is not recorded in the custody log", highlight=False)
        return problems, f"package {package}"

    problems, what = _guarded(run)
    rows = [{"subject": p.subject, "kind": p.kind, "detail": p.detail} for p in problems]
    if fmt is not None:
        write_rows(rows, fmt, PROBLEM_COLUMNS, title="problems")
    else:
        sys.stdout.writelines(f"{problem}\n" for problem in problems)
    if problems:
        err.print(f"[bold red]{what}: {len(problems)} problem(s)[/]", highlight=False)
        raise typer.Exit(1)
    err.print(f"[green]{what}: OK[/]", highlight=False)


def _register_exports() -> None:
    from crawler.export_command import export_hits_command

    export_app.command("hits")(export_hits_command)


_register_exports()
