"""`thumbwatch serve` (the review console) and `thumbwatch users ...` (its accounts)."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.cli import UsageProblem, _sessions, guarded

users_app = typer.Typer(help="Review console accounts.", no_args_is_help=True)
out = Console()


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).", min=0, max=65535)] = 8000,
) -> None:
    """Run the review console (it never starts a crawl or a scheduler)."""
    import uvicorn

    from review.app import create_app

    app = guarded(create_app)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


def _password(prompt_twice: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if prompt_twice and getpass.getpass("Again: ") != first:
        raise UsageProblem("the two passwords differ")
    return first


def _with_accounts(action):  # type: ignore[no-untyped-def]
    """Run `action(session)` in one transaction; account errors become usage errors (exit 2)."""
    from review.accounts import AccountError

    def run():  # type: ignore[no-untyped-def]
        try:
            with _sessions().begin() as session:
                return action(session)
        except AccountError as exc:
            raise UsageProblem(str(exc)) from None

    return guarded(run)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    role: Annotated[str, typer.Option(help="analyst, supervisor or admin.")] = "analyst",
) -> None:
    """Create an account; the password is prompted for (or read from stdin when piped)."""
    from review.accounts import add_user
    from review.workflow import Role

    def role_of() -> Role:
        try:
            return Role(role)
        except ValueError:
            raise UsageProblem(f"invalid role {role!r}: one of analyst, supervisor, admin") from None

    chosen = guarded(role_of)
    password = guarded(lambda: _password(prompt_twice=True))
    user = _with_accounts(lambda session: add_user(session, name, chosen, password))
    out.print(f"user {user.name} ({user.role}) created")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """List accounts with their role, second factor and state."""
    from sqlalchemy import select

    from storage.models import User

    rows = _with_accounts(
        lambda session: [
            {
                "name": u.name,
                "role": u.role,
                "totp": u.totp_secret is not None,
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat(),
            }
            for u in session.scalars(select(User).order_by(User.name))
        ]
    )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("name", "role", "TOTP", "state", "created (UTC)")
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        table.add_row(row["name"], row["role"], "yes" if row["totp"] else "no", state, row["created_at"][:16])
    out.print(table)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument()]) -> None:
    """Disable an account and end its sessions."""
    from review.accounts import set_disabled

    _with_accounts(lambda session: set_disabled(session, name, True))
    out.print(f"user {name} disabled")


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again."""
    from review.accounts import set_disabled

    _with_accounts(lambda session: set_disabled(session, name, False))
    out.print(f"user {name} enabled")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument()]) -> None:
    """Set a new password (prompted, or read from stdin) and end the user's sessions."""
    from review.accounts import set_password

    password = guarded(lambda: _password(prompt_twice=True))
    _with_accounts(lambda session: set_password(session, name, password))
    out.print(f"password of {name} changed")


@users_app.command("totp")
def users_totp(name: Annotated[str, typer.Argument()]) -> None:
    """Enrol (or re-enrol) a TOTP second factor; prints the otpauth:// URI for an authenticator app."""
    from review.accounts import enrol_totp

    uri = _with_accounts(lambda session: enrol_totp(session, name))
    print(uri)
