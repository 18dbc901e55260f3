"""The review console: a server-rendered FastAPI + Jinja2 app over the database and evidence store.

Every route but the login page and static files sits behind `current_user`; every POST also
checks the session's CSRF token. Status changes go through `review.workflow`, so the app can
do nothing the workflow would refuse. Listing text is untrusted: templates autoescape, captured
pages are only ever served as downloads, and a strict Content-Security-Policy allows no inline
script. The app never starts a crawl or a scheduler. GET routes read in read-only sessions
(`storage.db.read_session`) and `current_user` writes only when a session must be recorded or
ended, in a unit of work of its own.
"""

# No `from __future__ import annotations`: FastAPI resolves these routes' annotations, which
# name dependencies local to the app factory.
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from crawler.config import ThumbwatchSettings, get_settings
from review import views
from review.accounts import (
    AccountError,
    LoginPolicy,
    SessionUser,
    authenticate,
    check_session,
    close_session,
    csrf_valid,
    load_secret_key,
    open_session,
    record_session_check,
)
from review.workflow import Role
from storage.db import read_session, session_factory, upgrade_database
from storage.models import utcnow

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
SESSION_COOKIE = "tw_session"
LOGIN_CSRF_COOKIE = "tw_login_csrf"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """Raised by `current_user` when the request carries no live session."""


class Forbidden(Exception):
    """An action the user's role or the CSRF check refuses."""


def create_app(settings: ThumbwatchSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    sessions = session_factory(upgrade_database(settings.resolved_database_url))
    secret_key = load_secret_key(settings.secret_key, settings.ensure_home())
    policy = LoginPolicy(
        max_failures=settings.login_max_failures,
        session_lifetime=timedelta(hours=settings.session_hours),
        idle_timeout=timedelta(minutes=settings.session_idle_minutes),
        totp_required_roles=frozenset({Role.SUPERVISOR, Role.ADMIN})
        if settings.totp_required
        else frozenset(),
    )
    templates = Jinja2Templates(directory=TEMPLATES)
    views.register_filters(templates)

    app = FastAPI(title="thumbwatch review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sessions = sessions
    app.state.templates = templates
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
        return Response("login required", status_code=401, media_type="text/plain")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return templates.TemplateResponse(
            request, "error.html", {"user": None, "message": str(exc)}, status_code=403
        )

    def db(request: Request) -> Iterator[Session]:
        # A page view only reads: on SQLite its transaction takes no write lock, so crawls
        # storing listings meanwhile never wait for a reviewer (nor the reviewer for them).
        if request.method in ("GET", "HEAD"):
            with read_session(sessions) as session:
                yield session
        else:
            with sessions() as session:
                yield session

    def current_user(request: Request) -> SessionUser:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise LoginRequired()
        now = utcnow()
        with read_session(sessions) as reader:
            check = check_session(reader, token, secret_key, policy, now)
        if check.write != "none":  # at most once a minute per live session
            with sessions.begin() as writer:
                record_session_check(writer, check, now)
        if check.user is None:
            raise LoginRequired()
        request.state.user = check.user
        return check.user

    public = APIRouter()

    @public.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/queue") -> Response:
        token = secrets.token_urlsafe(32)
        response = templates.TemplateResponse(
            request, "login.html", {"user": None, "csrf": token, "next": _safe_next(next), "error": None}
        )
        _set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    @public.post("/login")
    def login(
        request: Request,
        session: Annotated[Session, Depends(db)],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        totp: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/queue",
    ) -> Response:
        if not csrf_valid(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
            return Response(
                "invalid or missing CSRF token: reload the login page", 403, media_type="text/plain"
            )
        client = request.client.host if request.client else "unknown"
        try:
            user = authenticate(session, username, password, totp, client, policy)
            token = open_session(session, user, secret_key, policy)
            session.commit()
        except AccountError as exc:
            session.commit()  # keep the record of the failed attempt
            fresh = secrets.token_urlsafe(32)
            response = templates.TemplateResponse(
                request,
                "login.html",
                {
                    "user": None,
                    "csrf": fresh,
                    "next": _safe_next(next),
                    "error": str(exc),
                    "username": username,
                },
                status_code=401,
            )
            _set_cookie(response, request, LOGIN_CSRF_COOKIE, fresh, max_age=3600)
            return response
        response = RedirectResponse(_safe_next(next), status_code=303)
        _set_cookie(
            response, request, SESSION_COOKIE, token, max_age=int(policy.session_lifetime.total_seconds())
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    protected = APIRouter(dependencies=[Depends(current_user)])

    @protected.post("/logout")
    def logout(
        request: Request,
        user: Annotated[SessionUser, Depends(current_user)],
        session: Annotated[Session, Depends(db)],
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        require_csrf(user, csrf_token)
        close_session(session, user.session_id)
        session.commit()
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    views.add_routes(protected, db, current_user, templates, settings)
    app.include_router(public)
    app.include_router(protected)
    return app


def require_csrf(user: SessionUser, given: str | None) -> None:
    if not csrf_valid(user.csrf_token, given):
        raise Forbidden("invalid or missing CSRF token: reload the page and try again")


def require_role(user: SessionUser, least: Role) -> None:
    order = [Role.ANALYST, Role.SUPERVISOR, Role.ADMIN]
    if order.index(user.role) < order.index(least):
        raise Forbidden(f"this action needs the {least.value} role (you are {user.role.value})")


def _safe_next(target: str) -> str:
    """Only local paths: never redirect a login to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
