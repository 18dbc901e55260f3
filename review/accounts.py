"""Review console accounts: users, passwords, TOTP, login rate limiting and browser sessions.

Passwords are stored as argon2 hashes. A browser session is a random token in an HttpOnly
cookie; the database keeps only its HMAC under the console's secret key, so a copy of the
database cannot be turned into a login, and rotating the key ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from review.workflow import Role
from storage.models import LoginAttempt, User, WebSession, utcnow

PASSWORD_MIN_LENGTH = 10
NAME_PATTERN = "abcdefghijklmnopqrstuvwxyz0123456789._-"
TOTP_ISSUER = "thumbwatch"
ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.ADMIN)

_hasher = PasswordHasher()


class AccountError(Exception):
    """A refused account operation or login, with the reason a user may see."""


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as routes see it."""

    id: int
    name: str
    role: Role
    csrf_token: str
    session_id: int


def load_secret_key(configured: str | None, home: Path) -> bytes:
    """The configured key, or one generated on first run into ``<home>/secret_key`` (mode 0600)."""
    if configured:
        return configured.encode()
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _token_digest(secret_key: bytes, token: str) -> str:
    return hmac.new(secret_key, token.encode(), hashlib.sha256).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"password too short: at least {PASSWORD_MIN_LENGTH} characters")


def add_user(session: Session, name: str, role: Role, password: str) -> User:
    name = name.strip().lower()
    if not name or any(c not in NAME_PATTERN for c in name):
        raise AccountError(f"invalid user name {name!r}: use letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"invalid role {role!r}: one of {', '.join(r.value for r in ROLES)}")
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise AccountError(f"user {name!r} already exists")
    user = User(name=name, role=role.value, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name.strip().lower()))
    if user is None:
        raise AccountError(f"no user named {name!r}")
    return user


def set_disabled(session: Session, name: str, disabled: bool = True) -> User:
    user = get_user(session, name)
    user.disabled = disabled
    if disabled:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def set_password(session: Session, name: str, password: str) -> User:
    check_password_strength(password)
    user = get_user(session, name)
    user.password_hash = _hasher.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def enrol_totp(session: Session, name: str) -> str:
    """Give the user a new TOTP secret; returns the ``otpauth://`` enrolment URI."""
    user = get_user(session, name)
    user.totp_secret = pyotp.random_base32()
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.name, issuer_name=TOTP_ISSUER)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=8)
    idle_timeout: timedelta = timedelta(minutes=60)
    totp_required_roles: frozenset[Role] = frozenset()


def _record_attempt(session: Session, name: str, client: str, ok: bool, detail: str, now: datetime) -> None:
    session.add(
        LoginAttempt(username=name[:100], client=client[:100], attempted_at=now, succeeded=ok, detail=detail)
    )


def _recent_failures(session: Session, name: str, client: str, since: datetime) -> int:
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at >= since,
        (LoginAttempt.username == name) | (LoginAttempt.client == client),
    )
    return session.scalar(query) or 0


def authenticate(
    session: Session,
    name: str,
    password: str,
    totp_code: str,
    client: str,
    policy: LoginPolicy,
    now: datetime | None = None,
) -> User:
    """Check a login; every attempt is recorded, and too many recent failures lock it out.

    The error never says whether the name or the password was wrong.
    """
    now = now or utcnow()
    name = name.strip().lower()
    if _recent_failures(session, name, client, now - policy.window) >= policy.max_failures:
        _record_attempt(session, name, client, False, "rate limited", now)
        raise AccountError("too many failed logins: try again later")
    user = session.scalar(select(User).where(User.name == name))
    try:
        valid = user is not None and _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or user is None or user.disabled:
        detail = "disabled" if user and user.disabled else "bad credentials"
        _record_attempt(session, name, client, False, detail, now)
        raise AccountError("wrong user name or password")
    needs_totp = user.totp_secret is not None or Role(user.role) in policy.totp_required_roles
    if needs_totp:
        if user.totp_secret is None:
            _record_attempt(session, name, client, False, "totp not enrolled", now)
            raise AccountError("a second factor is required: ask an admin to run `thumbwatch users totp`")
        if not pyotp.TOTP(user.totp_secret).verify(totp_code.strip(), for_time=now, valid_window=1):
            _record_attempt(session, name, client, False, "bad totp", now)
            raise AccountError("wrong or missing one-time code")
    _record_attempt(session, name, client, True, "ok", now)
    return user


def open_session(
    session: Session, user: User, secret_key: bytes, policy: LoginPolicy, now: datetime | None = None
) -> str:
    """Start a browser session for `user`; returns the cookie token (shown only this once)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_token_digest(secret_key, token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + policy.session_lifetime,
            last_seen=now,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token


# How old a session's `last_seen` may get before a request records it again: the idle timeout
# is kept to within this, and most page views write nothing (a write takes SQLite's write lock,
# which crawl processes wait for).
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionCheck:
    """What a cookie token is worth now (`check_session`), and what must be written about it."""

    user: SessionUser | None  # None: no live session (unknown, expired, idle too long, disabled)
    session_id: int | None  # the session's row, when there is one
    write: Literal["none", "touch", "end"]  # record the visit / delete the dead session / nothing


def check_session(
    session: Session, token: str, secret_key: bytes, policy: LoginPolicy, now: datetime | None = None
) -> SessionCheck:
    """Read what `token` is worth; writes nothing (see `record_session_check`)."""
    now = now or utcnow()
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == _token_digest(secret_key, token))
    ).first()
    if row is None:
        return SessionCheck(None, None, "none")
    web_session, user = row
    if user.disabled or web_session.expires_at <= now or web_session.last_seen + policy.idle_timeout <= now:
        return SessionCheck(None, web_session.id, "end")
    live = SessionUser(user.id, user.name, Role(user.role), web_session.csrf_token, web_session.id)
    recent = now - web_session.last_seen < LAST_SEEN_GRANULARITY
    return SessionCheck(live, web_session.id, "none" if recent else "touch")


def record_session_check(session: Session, check: SessionCheck, now: datetime | None = None) -> None:
    """Write what `check` found: the visit of a live session, or the end of a dead one."""
    if check.session_id is None:
        return
    if check.write == "touch":
        seen = update(WebSession).where(WebSession.id == check.session_id).values(last_seen=now or utcnow())
        session.execute(seen)
    elif check.write == "end":
        close_session(session, check.session_id)


def resume_session(
    session: Session, token: str, secret_key: bytes, policy: LoginPolicy, now: datetime | None = None
) -> SessionUser | None:
    """The user behind a cookie token, or None when unknown, expired, idle too long or disabled;
    `check_session` and `record_session_check` in one session."""
    now = now or utcnow()
    check = check_session(session, token, secret_key, policy, now)
    record_session_check(session, check, now)
    return check.user


def close_session(session: Session, session_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def csrf_valid(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
