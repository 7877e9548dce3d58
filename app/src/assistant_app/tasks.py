"""Celery application and tasks (the worker runs them; API and agent enqueue them by name)."""

from __future__ import annotations

import logging
import time

from celery import Celery
from celery.signals import setup_logging

from . import db, telemetry
from .config import Settings

log = logging.getLogger(__name__)

ANALYZE_TEXT = "assistant.analyze_text"
PROCESS_MESSAGE = "assistant.process_message"
MAX_DELAY = 60.0
# Redis has no broker-side redelivery: a delivered, unacknowledged task (one that was running
# when the connection to Redis was lost) goes back to the queue only when it has been
# unacknowledged for this long. Twice the longest task (MAX_DELAY), so that a task still
# running is never handed out a second time; checked every RESTORE_INTERVAL seconds.
VISIBILITY_TIMEOUT = 120
RESTORE_INTERVAL = 10


@setup_logging.connect
def _keep_our_logging(**_kwargs) -> None:
    """Connected so that Celery leaves the JSON logging set up by assistant_app.logs alone."""


def create_celery(settings: Settings) -> Celery:
    # Tasks carry the sender's trace context in their headers; the worker continues it.
    telemetry.install_celery()
    app = Celery("assistant", broker=settings.redis_url(0), backend=settings.redis_url(1))
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # Acknowledge after the task ran, so a killed worker's task is redelivered.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # When Redis goes away mid-task, the running tasks are stopped (they cannot be
        # acknowledged any more) and come back after VISIBILITY_TIMEOUT, not after Redis's
        # default of 1 h.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "socket_connect_timeout": 3,
            "visibility_timeout": VISIBILITY_TIMEOUT,
            # Look for tasks to give back every RESTORE_INTERVAL s (kombu: every 100 s).
            "unacked_restore_interval": RESTORE_INTERVAL,
            "unacked_restore_throttle": 1,
        },
        redis_socket_connect_timeout=3,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
    )

    @app.task(name=ANALYZE_TEXT)
    def analyze_text(text: str, delay: float = 0.0) -> dict:
        # delay lets tests and demos keep a task in flight (e.g. across a SIGTERM).
        if delay:
            time.sleep(min(float(delay), MAX_DELAY))
        return {"words": len(text.split()), "chars": len(text)}

    @app.task(name=PROCESS_MESSAGE)
    def process_message(message_id: int) -> dict:
        with db.sessions(settings)() as session:
            message = session.get(db.Message, message_id)
            if message is None:
                log.warning("message not found", extra={"message_id": message_id})
                return {"id": message_id, "status": "missing"}
            message.reply = f"Hello {message.user}, I received {len(message.text.split())} words."
            message.status = "done"
            session.commit()
            log.info("message processed", extra={"message_id": message_id, "user": message.user})
            return {"id": message_id, "status": message.status}

    return app
