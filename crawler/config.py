"""The one typed configuration object of thumbwatch.

`ThumbwatchSettings` is the only reader of the process environment (prefix ``THUMBWATCH_``).
Everything else, Scrapy's settings module included, asks `get_settings()`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler import __version__

# FIRST's TLP 2.0 levels, as `thumbwatch export hits --tlp` takes them (evidence/share.py).
TlpLevel = Literal["clear", "green", "amber", "amber+strict", "red"]


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
    # Evidence capture at crawl time (crawler/evidence_pipeline.py); 50 is the matcher's medium tier.
    evidence_min_score: int = Field(
        default=50, ge=0, le=100, description="Listings scoring at least this are captured as evidence."
    )
    evidence_screenshots: bool = Field(default=True, description="Take a full-page screenshot per capture.")
    evidence_screenshot_timeout: float = Field(default=30.0, gt=0, description="Seconds per screenshot.")
    # Listing images (crawler/images.py): fetching every image of every listing would double a
    # polite crawl's requests, so by default only listings the matcher flags (tier low or above).
    image_fetch: Literal["flagged", "all", "off"] = Field(
        default="flagged", description="Whose images a crawl fetches and hashes."
    )
    images_per_listing: int = Field(default=3, ge=1, le=20, description="Main images fetched per listing.")
    # pHash bits: copies of one photo (resized, recompressed, recoloured, cropped ~1.5% a side)
    # measured <= 8 apart, different photos >= 14 (tests/test_images.py).
    image_max_distance: int = Field(
        default=10, ge=0, le=32, description="Hamming distance under which two images are the same photo."
    )
    # Referral notices (evidence/notice.py): DSA Art. 16(2)(c) needs the submitter's name and email.
    unit_name: str | None = Field(default=None, description="Name of the unit that submits notices.")
    unit_email: str | None = Field(
        default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email of the submitting unit."
    )
    unit_country: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="ISO country code whose legal basis applies."
    )
    legal_basis_file: Path | None = Field(
        default=None, description="TOML or YAML file: country code -> legal basis text for notices."
    )
    # Referral packages and shared exports (evidence/referral.py, evidence/share.py)
    package_max_file_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1, description="Largest evidence blob copied into a referral package."
    )
    share_tlp: TlpLevel = Field(
        default="amber", description="TLP level of `export hits --format stix|misp` without --tlp."
    )
    cli_role: Literal["analyst", "supervisor", "admin"] = Field(
        default="supervisor", description="Review role of whoever runs the command line."
    )

    @field_validator("unit_country")
    @classmethod
    def _country_upper(cls, value: str | None) -> str | None:
        return value.upper() if value else None

    # Review console (review/app.py)
    secret_key: str | None = Field(
        default=None, description="Session key of the review console; default: generated into the data dir."
    )
    session_hours: float = Field(default=8.0, gt=0, description="A console login lasts at most this long.")
    session_idle_minutes: float = Field(default=60.0, gt=0, description="Idle sessions end after this.")
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins per 15 min before lock-out.")
    totp_required: bool = Field(default=False, description="Supervisors and admins must use a TOTP code.")
    four_eyes: bool = Field(default=True, description="A supervisor cannot refer a listing they confirmed.")
    # Daily operation (crawler/scheduling/, crawler/followup.py, crawler/relisting.py, crawler/alerts.py)
    schedule_path: Path | None = Field(
        default=None, description="Scheduler jobs (TOML); default: <home>/schedule.toml when present."
    )
    referral_overdue_days: int = Field(
        default=14, ge=1, description="A referred listing still up this many days after referral is overdue."
    )
    relisting_title_similarity: int = Field(
        default=90, ge=50, le=100, description="Title similarity (0-100) that makes a relisting candidate."
    )
    alert_webhook_url: SecretStr | None = Field(default=None, description="JSON webhook for digests.")
    alert_retries: int = Field(default=4, ge=1, le=10, description="Attempts per alert delivery.")
    alert_backoff: float = Field(default=2.0, ge=0, description="Seconds before the 2nd attempt, doubling.")
    smtp_host: str | None = Field(default=None, description="SMTP server for digest emails.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = Field(default=None)
    smtp_password: SecretStr | None = Field(default=None)
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_from: str | None = Field(default=None, description="Sender address of digest emails.")
    smtp_to: str | None = Field(default=None, description="Comma-separated recipients of digest emails.")

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
