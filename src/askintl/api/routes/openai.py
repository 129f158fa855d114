"""OpenAI-compatible endpoints: POST /v1/chat/completions (plain and streaming) and GET /v1/models.

Errors on these paths use OpenAI's shape ``{"error": {"message", "type", "param", "code"}}``
(see ``app.py``) so that OpenAI clients and chat front ends show them; invalid requests are
400, as OpenAI answers.
"""
from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..openai import MODEL_ID, completion, messages_to_question, stream_events
from ..deps import EngineDep, FeedbackDep, MetricsDep, public_base_url
from ..schemas import AskResponse, ChatCompletionRequest
from .answers import answer_and_record
from .institutions import offices_to_contact

router = APIRouter(tags=["openai"])
_STARTED = int(time.time())


@router.post("/v1/chat/completions", responses={200: {
    "description": "a `chat.completion` object, or `text/event-stream` of `chat.completion.chunk` objects "
                   "when `stream` is true; both carry the extra fields `citations` and `askintl` (and `contacts` on abstention)"}})
async def chat_completions(body: ChatCompletionRequest, request: Request, engine: EngineDep, feedback: FeedbackDep,
                           metrics: MetricsDep):
    """Ask through the OpenAI chat-completions protocol: the last user message is the question,
    the earlier user/assistant messages its history. The reply quotes the sources with
    numbered citations; `citations` lists them as data (one per passage, numbered as in the text).
    When the texts do not answer, the reply and `contacts` say whose international office to ask.
    The extra body field `institutions` (names or aliases) restricts the search to those institutions."""
    chat = messages_to_question([m.model_dump() for m in body.messages])
    result, answer_id, _version = await run_in_threadpool(
        answer_and_record, request, engine, feedback, metrics, chat.question, chat.history, body.top_k, "chat",
        body.institutions)
    payload = AskResponse.of(result, answer_id).model_dump(mode="json")
    base = public_base_url(request)
    contacts = offices_to_contact(request, engine, body.institutions, result.institutions) if result.abstained else None
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        events = stream_events(result, chat, answer_id, payload, base, include_usage=include_usage, contacts=contacts)
        return StreamingResponse(events, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return JSONResponse(completion(result, chat, answer_id, payload, base, contacts=contacts))


@router.get("/v1/models")
def list_models() -> dict:
    """The one model, `askintl` (/v1/chat/completions accepts any model name)."""
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": _STARTED,
                                        "owned_by": "askintl"}]}
