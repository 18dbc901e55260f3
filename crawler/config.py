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

DEFAULT_USER_AGENT = (
    f"thumbwatch/{__version__} (marketplace monitoring for law-enforcement takedown referrals; "
    "contact: the operating cyber-crime unit)"
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
    user_agent: str = Field(default=DEFAULT_USER_AGENT, description="Honest User-Agent header.")
    catalog_path: Path | None = Field(
        default=None, description="Device catalog file; default: the bundled matching/catalog.yaml."
    )
    obey_robots: bool = Field(default=True, description="Obey robots.txt (per spider overridable).")
    concurrent_requests_per_domain: int = Field(default=8, ge=1, le=64)
    download_delay: float = Field(default=0.25, ge=0)
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
