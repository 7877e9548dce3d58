"""Configuration: *_FILE secrets, placeholder refusal outside dev, SMS_NUMBERS parsing."""

from __future__ import annotations

import subprocess

import pytest
from conftest import ASSISTANT

from assistant_app import config
from assistant_app.config import ConfigError

REAL = "s3cr3t-" + "9f8e7d6c5b4a"


def prod_env(**overrides: str) -> dict[str, str]:
    env = {
        "APP_ENV": "prod",
        "POSTGRES_PASSWORD": REAL,
        "REDIS_AUTH": REAL,
        "APP_SECRET_KEY": REAL,
        "TWILIO_AUTH_TOKEN": REAL,
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_secret_read_from_file(tmp_path):
    secret = tmp_path / "pg"
    secret.write_text("from-a-file-123\n")
    settings = config.load({"POSTGRES_PASSWORD_FILE": str(secret)})
    assert settings.postgres_password == "from-a-file-123"
    assert "from-a-file-123" not in repr(settings)


def test_secret_file_unreadable_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"REDIS_AUTH_FILE=.*cannot be read"):
        config.load({"REDIS_AUTH_FILE": str(tmp_path / "absent")})


def test_secret_and_file_both_set_is_refused(tmp_path):
    secret = tmp_path / "k"
    secret.write_text("x")
    with pytest.raises(ConfigError, match="both set"):
        config.load({"APP_SECRET_KEY": "a", "APP_SECRET_KEY_FILE": str(secret)})


def test_prod_with_real_secrets_is_accepted():
    for service in ("api", "agent", "worker", "sms", "migrate"):
        config.load(prod_env()).validate(service)


@pytest.mark.parametrize("value", ["changeme", "CHANGE_ME", "<set me>", "placeholder", "xxxx", ""])
@pytest.mark.parametrize("app_env", ["stage", "prod"])
def test_placeholder_secret_refused_outside_dev(app_env, value):
    settings = config.load(prod_env(APP_ENV=app_env, APP_SECRET_KEY=value))
    with pytest.raises(ConfigError, match=rf"APP_ENV={app_env}.*APP_SECRET_KEY"):
        settings.validate("api")


def test_missing_secret_refused_in_prod_but_not_in_dev():
    with pytest.raises(ConfigError, match="POSTGRES_PASSWORD is missing"):
        config.load(prod_env(POSTGRES_PASSWORD=None)).validate("worker")
    config.load({"APP_ENV": "dev"}).validate("worker")


def test_twilio_token_required_only_for_sms():
    settings = config.load(prod_env(TWILIO_AUTH_TOKEN=None))
    settings.validate("api")
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN is missing"):
        settings.validate("sms")


def test_unknown_app_env_refused():
    with pytest.raises(ConfigError, match="APP_ENV='production' is not one of dev, stage, prod"):
        config.load({"APP_ENV": "production"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+15550001=alice, +15550002=bob", {"+15550001": "alice", "+15550002": "bob"}),
        ('{"+15550001": "alice"}', {"+15550001": "alice"}),
        ("", {}),
    ],
)
def test_sms_numbers(raw, expected):
    assert config.parse_numbers(raw) == expected


@pytest.mark.parametrize("raw", ["+15550001", "=alice", '["+1"]', "{bad json"])
def test_sms_numbers_invalid(raw):
    with pytest.raises(ConfigError, match="SMS_NUMBERS"):
        config.parse_numbers(raw)


def test_database_url_quotes_password():
    settings = config.load({"POSTGRES_PASSWORD": "p@ss:w/rd%"})
    assert "p%40ss%3Aw%2Frd%25@" in settings.database_url


def test_service_stops_at_start_with_clear_message():
    """The real command, as the container runs it: a placeholder in prod stops it."""
    env = prod_env(APP_SECRET_KEY="changeme")
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run([ASSISTANT, "api"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "APP_ENV=prod refuses to start the api service" in result.stderr
    assert "APP_SECRET_KEY holds a placeholder value" in result.stderr
    assert REAL not in result.stderr + result.stdout
