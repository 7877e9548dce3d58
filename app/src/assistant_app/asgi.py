"""ASGI application factories (import strings for uvicorn, e.g. with DEV_RELOAD)."""

from __future__ import annotations

from . import config, logs, telemetry


def _settings(service: str) -> config.Settings:
    # Under reload each server process is new: it sets up its logging and traces itself.
    settings = config.load()
    settings.validate(service)
    logs.setup(service, settings.log_level)
    telemetry.setup(settings, service)
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
