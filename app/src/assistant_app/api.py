"""Public API (:8000): notes in PostgreSQL, tasks through Celery, messages to the agent service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import httpx
from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from . import db, ops, telemetry
from .config import Settings
from .tasks import ANALYZE_TEXT, MAX_DELAY, create_celery

RowId = Annotated[int, Path(ge=1, le=db.ROW_ID_MAX)]


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = ""


class NoteOut(NoteIn):
    id: int
    created_at: datetime


class MessageIn(BaseModel):
    user: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1)


class TaskIn(BaseModel):
    text: str
    delay: float = Field(default=0.0, ge=0.0, le=MAX_DELAY)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Assistant API", version=settings.version, telemetry=telemetry.FASTAPI)
    ops.install(app, settings, "api")
    sessions = db.sessions(settings)
    celery = create_celery(settings)
    # The agent service is on the internal network only; the API is its public door.
    agent = httpx.Client(
        base_url=settings.agent_url, timeout=10.0, transport=telemetry.TracingTransport()
    )

    def to_agent(method: str, path: str, **kwargs) -> JSONResponse:
        try:
            reply = agent.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise HTTPException(502, f"agent service unavailable ({type(exc).__name__})") from exc
        if reply.status_code >= 500:
            raise HTTPException(502, f"agent service answered {reply.status_code}")
        return JSONResponse(reply.json(), status_code=reply.status_code)

    @app.post("/api/v1/notes", status_code=201, response_model=NoteOut)
    def create_note(note: NoteIn) -> db.Note:
        with sessions() as session:
            row = db.Note(title=note.title, body=note.body)
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    @app.get("/api/v1/notes/{note_id}", response_model=NoteOut)
    def get_note(note_id: RowId) -> db.Note:
        with sessions() as session:
            row = session.get(db.Note, note_id)
            if row is None:
                raise HTTPException(404, f"note {note_id} not found")
            return row

    @app.post("/api/v1/messages", status_code=202)
    def send_message(message: MessageIn) -> JSONResponse:
        return to_agent("POST", "/api/v1/messages", json={**message.model_dump(), "source": "api"})

    @app.get("/api/v1/messages/{message_id}")
    def get_message(message_id: RowId) -> JSONResponse:
        return to_agent("GET", f"/api/v1/messages/{message_id}")

    @app.post("/api/v1/tasks", status_code=202)
    def create_task(task: TaskIn) -> dict:
        result = celery.send_task(ANALYZE_TEXT, args=[task.text], kwargs={"delay": task.delay})
        return {"id": result.id, "state": "PENDING"}

    @app.get("/api/v1/tasks/{task_id}")
    def get_task(task_id: str) -> dict:
        result = celery.AsyncResult(task_id)
        body = {"id": task_id, "state": result.state, "result": None}
        if result.successful():
            body["result"] = result.result
        elif result.failed():
            body["result"] = {"error": type(result.result).__name__}
        return body

    return app
