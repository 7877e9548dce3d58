"""The ``assistant`` command: one entry point per service, plus migrations and healthcheck.

Only the standard library is imported at module level so that ``assistant healthcheck``
(the image's HEALTHCHECK) starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import signal
import sys
import time
import urllib.error
import urllib.request

SERVICE_PORTS = {"api": 8000, "agent": 8001, "worker": 8002, "sms": 8003}
# The package's own directory: what DEV_RELOAD watches (the mounted source in the dev image).
SOURCE_DIR = pathlib.Path(__file__).resolve().parent
log = logging.getLogger("assistant_app.cli")


def _settings(service: str):
    from . import config, logs

    settings = config.load()
    settings.validate(service)
    logs.setup(service, settings.log_level)
    return settings


def _port(service: str) -> int:
    return int(os.environ.get("PORT") or SERVICE_PORTS[service])


def _serve_http(service: str) -> int:
    import uvicorn

    settings = _settings(service)
    port = _port(service)
    common = {
        "host": "0.0.0.0",  # noqa: S104 (inside a container; the network decides exposure)
        "port": port,
        "log_config": None,  # keep the JSON logging set up above
        "proxy_headers": True,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # SIGTERM: stop accepting, let in-flight requests finish for up to this long.
        "timeout_graceful_shutdown": int(os.environ.get("GRACEFUL_TIMEOUT", "25")),
    }
    log.info(
        "starting",
        extra={
            "port": port,
            "env": settings.app_env,
            "version": settings.version,
            "revision": settings.revision,
        },
    )
    # uvicorn handles SIGTERM (stops accepting, finishes in-flight requests) and then
    # re-raises it; this handler turns that last step into exit status 0, as a container's
    # PID 1 would.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if settings.dev_reload:
        # uvicorn restarts the server process on a change under the package; each new
        # process builds the app through assistant_app.asgi (logging and traces included).
        uvicorn.run(
            f"assistant_app.asgi:{service}",
            factory=True,
            reload=True,
            reload_dirs=[str(SOURCE_DIR)],
            **common,
        )
        return 0
    from . import agent, api, sms, telemetry

    telemetry.setup(settings, service)

    factory = {"api": api.create_app, "agent": agent.create_app, "sms": sms.create_app}[service]
    uvicorn.run(factory(settings), **common)
    return 0


def _worker() -> int:
    settings = _settings("worker")
    if settings.dev_reload:
        return _reload_worker()
    return _run_worker(settings)


def _run_worker(settings=None) -> int:
    from . import telemetry, worker

    settings = settings or _settings("worker")
    telemetry.setup(settings, "worker")
    return worker.run(settings, _port("worker"))


def _reload_worker() -> int:
    """DEV_RELOAD: run the worker in a child process and restart it when a .py file changes.

    Celery has no reloader of its own; watchfiles (a dev dependency) stops the child with
    SIGINT (a warm shutdown: running tasks finish) and starts a new one on the new code.
    """
    try:
        from watchfiles import PythonFilter, run_process
    except ImportError:
        log.error(
            "DEV_RELOAD is set but watchfiles is not installed; expected the dev image "
            "(requirements-dev.lock). Unset DEV_RELOAD or install the dev dependencies."
        )
        return 2

    def restarted(changes) -> None:
        files = sorted({path for _change, path in changes})
        log.info("source changed, restarting the worker", extra={"files": ",".join(files)})

    log.info("worker reload on", extra={"watching": str(SOURCE_DIR)})
    run_process(
        SOURCE_DIR,
        target=_run_worker,
        watch_filter=PythonFilter(),
        callback=restarted,
        # Longer than the warm shutdown of an idle worker.
        sigint_timeout=10,
    )
    return 0


def _migrate(wait: float) -> int:
    from sqlalchemy import text

    from . import db

    settings = _settings("migrate")
    logging.getLogger("alembic").setLevel(settings.log_level)  # here its steps are the point
    deadline = time.monotonic() + wait
    while True:
        try:
            with db.engine(settings).connect() as conn:
                conn.execute(text("SELECT 1"))
            break
        except Exception as exc:
            if time.monotonic() >= deadline:
                log.error(
                    "PostgreSQL is not reachable; expected it at %s:%s within %ss (%s: %s). "
                    "Check POSTGRES_HOST/POSTGRES_PORT/POSTGRES_USER and that the database is up.",
                    settings.postgres_host,
                    settings.postgres_port,
                    wait,
                    type(exc).__name__,
                    str(exc).strip().splitlines()[-1] if str(exc).strip() else "",
                )
                return 1
            time.sleep(1)
    before = db.current_revision(settings)
    db.migrate(settings)
    log.info("migrations at head", extra={"from": before, "to": db.current_revision(settings)})
    return 0


def migrations_head() -> dict:
    """The migrations this code ships: its head(s) and every known revision (no database needed).

    The backup role asks the release's image for this before a restore: a dump whose schema
    revision is not among ``revisions`` comes from a newer release and is refused.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from .db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    heads = sorted(script.get_heads())
    return {
        "head": heads[0] if len(heads) == 1 else None,
        "heads": heads,
        "revisions": sorted(rev.revision for rev in script.walk_revisions()),
    }


def _service_of_pid1() -> str | None:
    """Which service this container runs, from PID 1's command line."""
    try:
        with open("/proc/1/cmdline", "rb") as handle:
            argv = handle.read().decode(errors="replace").split("\0")
    except OSError:
        return None
    return next((arg for arg in argv if arg in SERVICE_PORTS), None)


def healthcheck(port: int | None, path: str, timeout: float) -> int:
    if port is None:
        service = _service_of_pid1()
        port = int(os.environ.get("PORT") or SERVICE_PORTS.get(service or "api", 8000))
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed http URL)
            ok = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, port in SERVICE_PORTS.items():
        sub.add_parser(name, help=f"run the {name} service (port {port}, or $PORT)")
    migrate = sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    migrate.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for PostgreSQL (default 30)"
    )
    sub.add_parser(
        "migrations-head",
        help="print the migrations this code ships as JSON: head, heads, revisions (no database)",
    )
    check = sub.add_parser("healthcheck", help="probe this container's service; exit 0 or 1")
    check.add_argument(
        "--port",
        type=int,
        default=None,
        help="default: $PORT, else the port of the service PID 1 runs",
    )
    check.add_argument("--path", default="/health")
    check.add_argument("--timeout", type=float, default=3.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "healthcheck":
        return healthcheck(args.port, args.path, args.timeout)
    if args.command == "migrations-head":
        print(json.dumps(migrations_head(), sort_keys=True))
        return 0
    from .config import ConfigError

    try:
        if args.command == "migrate":
            return _migrate(args.wait)
        if args.command == "worker":
            return _worker()
        return _serve_http(args.command)
    except ConfigError as exc:
        print(f"assistant {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
