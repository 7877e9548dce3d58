"""Configuration from environment variables and ``*_FILE`` secret files.

In stage and prod a missing or placeholder secret is refused at start, with a
message that names the variable and says how to fix it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

ENVIRONMENTS = ("dev", "stage", "prod")

# Values that mean "nobody filled this in"; compared case-insensitively.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "placeholder",
        "secret",
        "password",
        "example",
        "todo",
        "xxx",
        "dev",
        "test",
    }
)

SERVICE_PORTS = {"api": 8000, "agent": 8001, "worker": 8002, "sms": 8003}


class ConfigError(Exception):
    """The configuration cannot be used; the message tells the user what to do."""


def is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    return (
        v in PLACEHOLDERS
        or v.startswith(("changeme", "change-me", "replace", "placeholder", "<"))
        or set(v) <= {"x", "*", "."}
    )


def read_secret(env: Mapping[str, str], name: str) -> str | None:
    """Return NAME from the environment or from the file named by NAME_FILE."""
    file_var = f"{name}_FILE"
    direct = env.get(name)
    path = env.get(file_var)
    if direct is not None and path is not None:
        raise ConfigError(
            f"{name} and {file_var} are both set; expected only one. "
            f"Unset {name} and keep {file_var} (preferred for secrets)."
        )
    if path is None:
        return direct
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(
            f"{file_var}={path} cannot be read ({exc.strerror}); expected a readable file "
            f"holding the secret. Mount the secret there or fix {file_var}."
        ) from exc


def parse_numbers(raw: str) -> dict[str, str]:
    """Parse SMS_NUMBERS: a JSON object or a comma list of ``+15550001=alice``."""
    raw = raw.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"SMS_NUMBERS is not valid JSON ({exc}).") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigError('SMS_NUMBERS JSON must map numbers to users: {"+15550001": "alice"}.')
        return {k.strip(): v.strip() for k, v in data.items()}
    numbers: dict[str, str] = {}
    for item in raw.split(","):
        number, sep, user = item.partition("=")
        if not sep or not number.strip() or not user.strip():
            raise ConfigError(
                f"SMS_NUMBERS entry {item.strip()!r} is not NUMBER=USER; "
                "expected e.g. '+15550001=alice,+15550002=bob'."
            )
        numbers[number.strip()] = user.strip()
    return numbers


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an integer; set it to a number.") from exc


@dataclass(frozen=True)
class Settings:
    app_env: str = "dev"
    log_level: str = "INFO"
    postgres_host: str = "localhost"
    postgres_port: int = 5432
    postgres_db: str = "assistant"
    postgres_user: str = "assistant"
    postgres_password: str | None = field(default=None, repr=False)
    redis_host: str = "localhost"
    redis_port: int = 6379
    redis_password: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    twilio_auth_token: str | None = field(default=None, repr=False)
    agent_url: str = "http://localhost:8001"
    sms_public_url: str | None = None
    sms_numbers: dict[str, str] = field(default_factory=dict)
    otel_endpoint: str | None = None
    dev_reload: bool = False
    version: str = "0.0.0"
    revision: str = "unknown"
    worker_concurrency: int = 4

    @property
    def database_url(self) -> str:
        password = quote(self.postgres_password or "", safe="")
        auth = quote(self.postgres_user, safe="") + (f":{password}" if password else "")
        return (
            f"postgresql+psycopg://{auth}@{self.postgres_host}:{self.postgres_port}/"
            f"{quote(self.postgres_db, safe='')}"
        )

    def redis_url(self, db: int = 0) -> str:
        auth = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}{self.redis_host}:{self.redis_port}/{db}"

    def validate(self, service: str) -> None:
        """Refuse missing or placeholder secrets outside dev."""
        if self.app_env == "dev":
            return
        required = {"POSTGRES_PASSWORD": self.postgres_password}
        if service != "migrate":
            required["REDIS_AUTH"] = self.redis_password
            required["APP_SECRET_KEY"] = self.secret_key
        if service == "sms":
            required["TWILIO_AUTH_TOKEN"] = self.twilio_auth_token
        problems = []
        for name, value in required.items():
            if value is None or value.strip() == "":
                problems.append(f"{name} is missing")
            elif is_placeholder(value):
                problems.append(f"{name} holds a placeholder value")
        if problems:
            raise ConfigError(
                f"APP_ENV={self.app_env} refuses to start the {service} service: "
                + "; ".join(problems)
                + ". Expected a real secret in NAME or in a file named by NAME_FILE "
                "(e.g. POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password)."
            )


def load(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    from . import __version__

    app_env = env.get("APP_ENV", "dev").strip().lower()
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV={app_env!r} is not one of {', '.join(ENVIRONMENTS)}.")
    return Settings(
        app_env=app_env,
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        postgres_host=env.get("POSTGRES_HOST", "localhost"),
        postgres_port=_int(env, "POSTGRES_PORT", 5432),
        postgres_db=env.get("POSTGRES_DB", "assistant"),
        postgres_user=env.get("POSTGRES_USER", "assistant"),
        postgres_password=read_secret(env, "POSTGRES_PASSWORD"),
        redis_host=env.get("REDIS_HOST", "localhost"),
        redis_port=_int(env, "REDIS_PORT", 6379),
        redis_password=read_secret(env, "REDIS_AUTH") or None,
        secret_key=read_secret(env, "APP_SECRET_KEY"),
        twilio_auth_token=read_secret(env, "TWILIO_AUTH_TOKEN"),
        agent_url=env.get("AGENT_URL", "http://localhost:8001").rstrip("/"),
        sms_public_url=env.get("SMS_PUBLIC_URL") or None,
        sms_numbers=parse_numbers(env.get("SMS_NUMBERS", "")),
        otel_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
        dev_reload=env.get("DEV_RELOAD", "").lower() in ("1", "true", "yes"),
        version=env.get("APP_VERSION") or __version__,
        revision=env.get("APP_REVISION") or "unknown",
        worker_concurrency=_int(env, "WORKER_CONCURRENCY", 4),
    )
