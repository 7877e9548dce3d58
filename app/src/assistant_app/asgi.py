"""ASGI application factories (import strings for uvicorn, e.g. with DEV_RELOAD)."""

from __future__ import annotations

from . import config, logs


def _settings(service: str) -> config.Settings:
    settings = config.load()
    settings.validate(service)
    logs.setup(service, settings.log_level)
    return settings


def api():
    from .api import create_app

    return create_app(_settings("api"))


def agent():
    from .agent import create_app

    return create_app(_settings("agent"))


def sms():
    from .sms import create_app

    return create_app(_settings("sms"))
