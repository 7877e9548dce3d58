"""SMS router (:8003): validates Twilio's signature, maps the To number to its user,
forwards the message to the agent service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable
from urllib.parse import parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from . import ops, telemetry
from .config import Settings

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's documented scheme: base64(HMAC-SHA1(token, url + sorted(key + value)))."""
    # Like the Twilio helper libraries: sorted by name, repeated identical pairs once.
    payload = url + "".join(k + v for k, v in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(auth_token: str, url: str, params, signature: str | None) -> bool:
    if not signature or not auth_token:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def signed_url(settings: Settings, request: Request) -> str:
    """The URL Twilio signed: SMS_PUBLIC_URL (the address Twilio calls) + path + query."""
    if settings.sms_public_url is None:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return settings.sms_public_url.rstrip("/") + request.url.path + query


def create_app(settings: Settings, transport: httpx.BaseTransport | None = None) -> FastAPI:
    app = FastAPI(
        title="Assistant SMS router", version=settings.version, telemetry=telemetry.FASTAPI
    )
    ops.install(app, settings, "sms")
    client = httpx.Client(
        base_url=settings.agent_url, timeout=10.0, transport=telemetry.TracingTransport(transport)
    )

    @app.post("/sms/inbound")
    async def inbound(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", errors="replace")
        params = parse_qsl(body, keep_blank_values=True)
        if not signature_valid(
            settings.twilio_auth_token or "",
            signed_url(settings, request),
            params,
            request.headers.get("X-Twilio-Signature"),
        ):
            log.warning("rejected inbound SMS: bad or missing X-Twilio-Signature")
            return JSONResponse({"detail": "invalid Twilio signature"}, status_code=403)
        fields = dict(params)
        to_number = fields.get("To", "")
        user = settings.sms_numbers.get(to_number)
        if user is None:
            log.warning("inbound SMS for unknown number", extra={"to": to_number})
            return JSONResponse(
                {"detail": f"no user has the number {to_number!r}"}, status_code=404
            )
        try:
            # A sync client in a worker thread keeps the event loop free.
            from starlette.concurrency import run_in_threadpool

            reply = await run_in_threadpool(
                client.post,
                "/api/v1/messages",
                json={"user": user, "text": fields.get("Body", ""), "source": "sms"},
            )
            reply.raise_for_status()
        except httpx.HTTPError as exc:
            log.error("agent service did not accept the message", extra={"error": str(exc)})
            return JSONResponse({"detail": "agent service unavailable"}, status_code=502)
        log.info("forwarded inbound SMS", extra={"user": user, "message_id": reply.json()["id"]})
        return Response(EMPTY_TWIML, media_type="application/xml")

    return app
