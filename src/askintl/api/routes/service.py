"""GET (and HEAD) /healthz and GET /metrics (Prometheus text format)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from ..metrics import CONTENT_TYPE
from ..deps import EngineDep, MetricsDep
from ..schemas import Health

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=Health)
def healthz(engine: EngineDep) -> Health:
    """200 once the model and index are loaded and questions can be answered."""
    snap = engine.snapshot
    return Health(status="ok", index_version=snap.version, documents=len(snap.documents),
                  passages=snap.n_passages, embedder=engine.embedder.id)


@router.head("/healthz", include_in_schema=False)
def healthz_head(engine: EngineDep) -> Response:
    """HEAD /healthz: the same check as GET, status only (load balancers and uptime probes)."""
    healthz(engine)
    return Response(status_code=200, media_type="application/json")


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(service_metrics: MetricsDep) -> PlainTextResponse:
    """Requests, latency, questions, abstentions, rate limiting, feedback and the live index."""
    return PlainTextResponse(service_metrics.render(), media_type=CONTENT_TYPE)
