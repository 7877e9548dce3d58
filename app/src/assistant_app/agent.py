"""Agent service (:8001): accepts a message for a user, stores it, enqueues the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path
from pydantic import BaseModel, Field

from . import db, ops, telemetry
from .config import Settings
from .tasks import PROCESS_MESSAGE, create_celery

RowId = Annotated[int, Path(ge=1, le=db.ROW_ID_MAX)]


class MessageIn(BaseModel):
    user: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1)
    source: str = Field(default="api", max_length=20)


def _out(row: db.Message) -> dict:
    return {
        "id": row.id,
        "user": row.user,
        "text": row.text,
        "source": row.source,
        "status": row.status,
        "reply": row.reply,
    }


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Assistant agent", version=settings.version, telemetry=telemetry.FASTAPI)
    ops.install(app, settings, "agent")
    sessions = db.sessions(settings)
    celery = create_celery(settings)

    @app.post("/api/v1/messages", status_code=202)
    def accept(message: MessageIn) -> dict:
        with sessions() as session:
            row = db.Message(
                user=message.user, text=message.text, source=message.source, status="queued"
            )
            session.add(row)
            session.commit()
            session.refresh(row)
        celery.send_task(PROCESS_MESSAGE, args=[row.id])
        return _out(row)

    @app.get("/api/v1/messages/{message_id}")
    def get(message_id: RowId) -> dict:
        with sessions() as session:
            row = session.get(db.Message, message_id)
            if row is None:
                raise HTTPException(404, f"message {message_id} not found")
            return _out(row)

    return app
