"""POST /v1/ask (a cited answer, remembered under an answer id) and POST /v1/feedback."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request

from ...conversation import Turn
from ...engine import Engine
from ...errors import StorageError
from ..feedback import FeedbackStore, is_disk_full, new_answer_id
from ..metrics import ServiceMetrics
from ...records import AskResult
from ..deps import EngineDep, FeedbackDep, MetricsDep
from ..schemas import AskRequest, AskResponse, ErrorOut, FeedbackIn, FeedbackOut

log = logging.getLogger("askintl.api")
router = APIRouter()


def answer_and_record(request: Request, engine: Engine, feedback: FeedbackStore, metrics: ServiceMetrics,
                      question: str, history: Sequence[Turn], top_k: int, channel: str,
                      institutions: list[str] | None = None) -> tuple[AskResult, str, str]:
    """Answer, count, and remember the question under a new answer id (shared by ask and chat).
    ``history``: turns the request schemas checked (``schemas.Turn``, ``schemas.ChatMessage``)."""
    result = engine.ask_checked(question, history, top_k=top_k, institutions=institutions)
    version = result.index_version
    answer_id = new_answer_id()
    try:
        feedback.record_answer(result, channel=channel, index_version=version, answer_id=answer_id)
    except Exception as exc:  # noqa: BLE001 - the reader still gets the answer; only feedback is lost
        log.error("could not record answer %s: %s", answer_id, exc)
        metrics.answer_records_lost.labels(reason="no_space" if is_disk_full(exc) else "error").inc()
    metrics.questions.labels(channel=channel).inc()
    if result.abstained:
        metrics.abstentions.labels(channel=channel).inc()
    request.state.answer_id = answer_id
    request.state.abstained = result.abstained
    request.state.channel = channel
    return result, answer_id, version


@router.post("/v1/ask", response_model=AskResponse, tags=["answers"],
             responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut},
                        503: {"model": ErrorOut}})
def ask(body: AskRequest, request: Request, engine: EngineDep, feedback: FeedbackDep,
        metrics: MetricsDep) -> AskResponse:
    """Answer a question with an exact, cited quote, or abstain when the sources do not say.

    The `id` identifies the answer for POST /v1/feedback. `institutions` restricts the search
    to those institutions' documents (a university's own widget)."""
    result, answer_id, version = answer_and_record(
        request, engine, feedback, metrics, body.question, body.history, body.top_k, "ask",
        institutions=body.institutions)
    return AskResponse.of(result, answer_id)


@router.post("/v1/feedback", response_model=FeedbackOut, status_code=201, tags=["answers"],
             responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut},
                        503: {"model": ErrorOut}})
def post_feedback(body: FeedbackIn, feedback: FeedbackDep, metrics: MetricsDep) -> FeedbackOut:
    """Rate an answer as helpful or not, with an optional comment (the last rating counts).

    Disliked answers are listed by `askintl report` for the content owners. 503 with
    Retry-After when it cannot be written (disk full)."""
    answer_id = body.answer_id.removeprefix("chatcmpl-")
    try:
        feedback.record_feedback(answer_id, body.helpful, body.comment)
    except StorageError as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    metrics.feedback.labels(helpful=str(body.helpful).lower()).inc()
    return FeedbackOut(answer_id=answer_id, helpful=body.helpful)
