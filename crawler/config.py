"""The one typed configuration object of thumbwatch.

`ThumbwatchSettings` is the only reader of the process environment (prefix ``THUMBWATCH_``).
Everything else, Scrapy's settings module included, asks `get_settings()`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler import __version__


def user_agent_for(contact: str) -> str:
    return (
        f"thumbwatch/{__version__} (marketplace monitoring for law-enforcement takedown referrals; "
        f"contact: {contact})"
    )


class ThumbwatchSettings(BaseSettings):
    """Settings read from ``THUMBWATCH_*`` environment variables (and an optional ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="THUMBWATCH_", env_file=".env", extra="ignore", validate_default=True
    )

    home: Path = Field(default=Path("var"), description="Data directory (database, evidence).")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file in the data directory."
    )
    chromium_path: Path = Field(
        default=Path("/usr/bin/chromium"), description="Chromium executable used by Playwright."
    )
    contact: str = Field(
        default="the operating cyber-crime unit (THUMBWATCH_CONTACT not set)",
        description="How a site operator reaches the unit (email or URL), sent in the User-Agent.",
    )
    user_agent: str | None = Field(default=None, description="Full User-Agent; default: built from contact.")
    catalog_path: Path | None = Field(
        default=None, description="Device catalog file; default: the bundled matching/catalog.yaml."
    )
    obey_robots: bool = Field(default=True, description="Obey robots.txt (per spider overridable).")
    # Real sites get one request at a time per domain, spaced out (spiders may override).
    concurrent_requests_per_domain: int = Field(default=1, ge=1, le=64)
    download_delay: float = Field(default=2.0, ge=0)
    autothrottle: bool = Field(default=True)
    download_timeout: float = Field(default=30.0, gt=0)
    log_level: str = Field(default="INFO")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @property
    def resolved_user_agent(self) -> str:
        return self.user_agent or user_agent_for(self.contact)

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'thumbwatch.db'}"

    def ensure_home(self) -> Path:
        home = self.resolved_home
        home.mkdir(parents=True, exist_ok=True)
        return home


@lru_cache(maxsize=1)
def get_settings() -> ThumbwatchSettings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return ThumbwatchSettings()
