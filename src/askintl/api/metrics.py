"""askintl's Prometheus metrics, kept and written by ``prometheus_client``.

Each app has its own ``CollectorRegistry`` (so tests and several apps in one process never
share counts). Label values are bounded by construction: routes are route templates, not paths.
The index and the answer cache are read when scraped (``_LiveState``), never copied.

Several server processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before they
start (prometheus_client's multiprocess mode); each process then writes its counts there and
/metrics adds them up across processes, with the live index and cache of the process that
answers the scrape.
"""
from __future__ import annotations

import os
from collections.abc import Callable

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the text format generate_latest writes
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# No "_created" series beside every counter and histogram: /metrics lists what askintl counts.
prometheus_client.disable_created_metrics()


class _LiveState:
    """The gauges (and the answer cache's counters) read when scraped; one that cannot be read
    (no index loaded yet, no answer cache) is written with its HELP and TYPE and no sample."""

    def __init__(self, index_state: Callable[[], dict], answer_cache: Callable[[], dict]):
        self.index_state = index_state
        self.answer_cache = answer_cache

    def collect(self):
        index = _read(self.index_state)
        cache = _read(self.answer_cache)
        yield _family(GaugeMetricFamily, "askintl_index_documents", "Documents in the live index version.",
                      index, "documents")
        yield _family(GaugeMetricFamily, "askintl_index_passages", "Passages in the live index version.",
                      index, "passages")
        info = GaugeMetricFamily("askintl_index_info", "The live index version and the embedder (value 1).",
                                 labels=("version", "embedder"))
        if "version" in index and "embedder" in index:
            info.add_metric((str(index["version"]), str(index["embedder"])), 1)
        yield info
        # Engine.ask's answer cache (askintl/cache.py): AnswerCache.stats()
        yield _family(CounterMetricFamily, "askintl_answer_cache_hits_total",
                      "Questions answered from the answer cache.", cache, "hits")
        yield _family(CounterMetricFamily, "askintl_answer_cache_misses_total",
                      "Questions looked up in the answer cache and not found (answered by the model).",
                      cache, "misses")
        yield _family(CounterMetricFamily, "askintl_answer_cache_evictions_total",
                      "Answers dropped from the full answer cache (least recently used).", cache, "evictions")
        yield _family(GaugeMetricFamily, "askintl_answer_cache_entries", "Answers in the answer cache.",
                      cache, "entries")
        yield _family(GaugeMetricFamily, "askintl_answer_cache_size",
                      "The most answers the answer cache keeps (0: off).", cache, "size")


def _read(read: Callable[[], dict]) -> dict:
    try:
        return read() or {}
    except Exception:  # a value that cannot be read is left out, never breaks /metrics
        return {}


def _family(kind, name: str, help_text: str, values: dict, key: str):
    family = kind(name, help_text)
    if key in values:
        family.add_metric((), values[key])
    return family


class ServiceMetrics:
    """The metrics askintl's server exports."""

    def __init__(self, index_state: Callable[[], dict] | None = None,
                 answer_cache: Callable[[], dict] | None = None):
        self.registry = registry = CollectorRegistry()
        self.requests = Counter("askintl_http_requests_total", "HTTP requests by route template and status.",
                                ("method", "route", "status"), registry=registry)
        self.latency = Histogram("askintl_http_request_duration_seconds",
                                 "Time to answer an HTTP request (to the end of the body).", ("method", "route"),
                                 buckets=LATENCY_BUCKETS, registry=registry)
        self.questions = Counter("askintl_questions_total", "Questions answered or abstained on, by channel.",
                                 ("channel",), registry=registry)
        self.abstentions = Counter("askintl_abstentions_total",
                                   "Questions the sources did not clearly answer (abstained), by channel.",
                                   ("channel",), registry=registry)
        self.rate_limited = Counter("askintl_rate_limited_total", "Requests refused by the rate limit (429).",
                                    registry=registry)
        self.feedback = Counter("askintl_feedback_total", "Feedback received, by rating.", ("helpful",),
                                registry=registry)
        self.answer_records_lost = Counter(
            "askintl_answer_records_lost_total",
            "Answered questions that could not be recorded (the reader got the answer; askintl report "
            "will not list it), by reason: no_space (disk full) or error.", ("reason",), registry=registry)
        self.reindexes = Counter("askintl_reindex_total", "Background reindexing runs, by outcome.",
                                 ("outcome",), registry=registry)
        self.live = _LiveState(index_state or dict, answer_cache or dict)
        registry.register(self.live)

    def render(self) -> str:
        """The Prometheus text format (0.0.4): this app's counts, or in multiprocess mode every
        process's counts added up."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            registry.register(self.live)
            return generate_latest(registry).decode("utf-8")
        return generate_latest(self.registry).decode("utf-8")
