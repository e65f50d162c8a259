"""Configuration from the environment."""

from __future__ import annotations

import pytest

import config


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ACADEMY_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.config_from_env()


def test_production_uses_the_given_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("TRUSTED_HOSTS", "academy.example")
    monkeypatch.setenv("ACADEMY_ENV", "production")
    settings = config.config_from_env()
    assert settings.SECRET_KEY == "x" * 64
    assert settings.SESSION_COOKIE_SECURE is True


def test_development_generates_a_key_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.DevelopmentConfig().SECRET_KEY
    second = config.DevelopmentConfig().SECRET_KEY
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TRUSTED_HOSTS", "academy.example")
    assert config.ProductionConfig().SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert "instance" in config.ProductionConfig().SQLALCHEMY_DATABASE_URI


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("ACADEMY_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config.config_from_env()


@pytest.mark.parametrize(
    "key", ["x", "short-but-not-32-bytes", "k" * 31, "testing-only-secret-key"]
)
def test_production_refuses_a_short_or_published_secret_key(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_development_refuses_a_short_secret_key_too(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setenv("SECRET_KEY", "dev")
    with pytest.raises(RuntimeError, match="32 bytes"):
        config.DevelopmentConfig()


def test_the_test_key_is_random_per_run_and_not_in_the_repository(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = config.TestingConfig().SECRET_KEY
    assert key == config.TestingConfig().SECRET_KEY  # stable within the run
    assert len(key.encode()) >= 32 and key not in config.KNOWN_SECRET_KEYS
    assert key not in (config.BASE_DIR / "config.py").read_text(encoding="utf-8")


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS"):
        config.ProductionConfig()


def test_trusted_hosts_are_read_as_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TRUSTED_HOSTS", " academy.example , .gov.example ,")
    assert config.ProductionConfig().TRUSTED_HOSTS == ["academy.example", ".gov.example"]


def test_production_session_cookie_has_the_host_prefix(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TRUSTED_HOSTS", "academy.example")
    settings = config.ProductionConfig()
    assert settings.SESSION_COOKIE_NAME.startswith("__Host-")
    # The browser only keeps a __Host- cookie that is Secure, has Path=/ and no Domain.
    assert settings.SESSION_COOKIE_SECURE is True
    assert getattr(settings, "SESSION_COOKIE_DOMAIN", None) in (None, False)
