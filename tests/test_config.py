"""The one configuration object: environment variables, defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crawler.config import ThumbwatchSettings, get_settings
from tests.e2e_support import run_cli


def test_defaults_put_the_sqlite_database_in_the_data_directory(isolated_config: Path) -> None:
    settings = get_settings()
    assert settings.resolved_home == isolated_config.resolve()
    assert settings.resolved_database_url == f"sqlite:///{isolated_config.resolve() / 'thumbwatch.db'}"
    assert settings.chromium_path == Path("/usr/bin/chromium")
    assert settings.resolved_user_agent.startswith("thumbwatch/")
    assert settings.concurrent_requests_per_domain == 1 and settings.download_delay == 2.0
    assert settings.obey_robots is True


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THUMBWATCH_DATABASE_URL", "postgresql://u@db/x")
    monkeypatch.setenv("THUMBWATCH_CHROMIUM_PATH", "/opt/chromium/chrome")
    monkeypatch.setenv("THUMBWATCH_LOG_LEVEL", "debug")
    monkeypatch.setenv("THUMBWATCH_CONTACT", "cyber-unit@police.example")
    settings = ThumbwatchSettings()
    assert settings.resolved_user_agent.endswith("contact: cyber-unit@police.example)")
    assert settings.resolved_database_url == "postgresql://u@db/x"
    assert settings.chromium_path == Path("/opt/chromium/chrome")
    assert settings.log_level == "DEBUG"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THUMBWATCH_CONCURRENT_REQUESTS_PER_DOMAIN", "lots")
    with pytest.raises(ValidationError, match="concurrent_requests_per_domain"):
        ThumbwatchSettings()


def test_cli_names_the_bad_variable(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "runs", env={"THUMBWATCH_LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: bad configuration THUMBWATCH_LOG_LEVEL: Value error, unknown log level 'LOUD'"
    ]


def test_scrapy_settings_come_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.runner import scrapy_settings

    settings = scrapy_settings()
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.get("USER_AGENT") == get_settings().resolved_user_agent
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"] == "/usr/bin/chromium"
