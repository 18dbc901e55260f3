"""Helpers for the review console tests: a console with accounts and logged-in clients."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from crawler.config import get_settings
from review.accounts import add_user
from review.app import create_app
from review.workflow import Role
from storage.db import session_factory, upgrade_database

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    app: FastAPI
    sessions: sessionmaker[Session]

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://127.0.0.1")

    def login(self, name: str, password: str = PASSWORD, totp: str = "") -> TestClient:
        client = self.client()
        response = login(client, name, password, totp)
        assert response.status_code == 303, response.text
        return client


def login(client: TestClient, name: str, password: str = PASSWORD, totp: str = "") -> object:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "totp": totp, "next": "/queue"},
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def make_console(users: dict[str, Role] | None = None) -> Console:
    sessions = session_factory(upgrade_database(get_settings().resolved_database_url))
    with sessions.begin() as session:
        for name, role in (
            users or {"ana": Role.ANALYST, "sam": Role.SUPERVISOR, "sue": Role.SUPERVISOR}
        ).items():
            add_user(session, name, role, PASSWORD)
    return Console(create_app(), sessions)
