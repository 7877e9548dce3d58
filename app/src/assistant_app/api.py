"""Public API (:8000): notes in PostgreSQL, tasks through Celery."""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from . import db, ops
from .config import Settings
from .tasks import ANALYZE_TEXT, MAX_DELAY, create_celery


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = ""


class NoteOut(NoteIn):
    id: int
    created_at: datetime


class TaskIn(BaseModel):
    text: str
    delay: float = Field(default=0.0, ge=0.0, le=MAX_DELAY)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Assistant API", version=settings.version)
    ops.install(app, settings, "api")
    sessions = db.sessions(settings)
    celery = create_celery(settings)

    @app.post("/api/v1/notes", status_code=201, response_model=NoteOut)
    def create_note(note: NoteIn) -> db.Note:
        with sessions() as session:
            row = db.Note(title=note.title, body=note.body)
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    @app.get("/api/v1/notes/{note_id}", response_model=NoteOut)
    def get_note(note_id: int) -> db.Note:
        with sessions() as session:
            row = session.get(db.Note, note_id)
            if row is None:
                raise HTTPException(404, f"note {note_id} not found")
            return row

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
