"""A few Prometheus metrics in the text exposition format (version 0.0.4), without a dependency.

Each app has its own ``Registry`` (so tests and several apps in one process never share
counts). Label values are bounded by construction: routes are route templates, not paths.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _labels(names: Iterable[str], values: Iterable[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labelnames: tuple[str, ...] = ()):
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)
        self._lock = threading.Lock()

    def _key(self, labels: dict) -> tuple[str, ...]:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {tuple(labels)}")
        return tuple(str(labels[n]) for n in self.labelnames)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]


class Counter(_Metric):
    kind = "counter"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._values: dict[tuple[str, ...], float] = {}

    def inc(self, amount: float = 1.0, **labels) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels) -> float:
        return self._values.get(self._key(labels), 0.0)

    def render(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return self.header() + [f"{self.name}{_labels(self.labelnames, k)} {_number(v)}" for k, v in items]


class Gauge(_Metric):
    """A value read when scraped, from a callback returning {label values tuple: value}."""

    kind = "gauge"

    def __init__(self, name, help_text, labelnames=(), read: Callable[[], dict] | None = None):
        super().__init__(name, help_text, labelnames)
        self.read = read or (lambda: {})

    def render(self) -> list[str]:
        try:
            values = self.read()
        except Exception:  # a gauge that cannot be read is left out, never breaks /metrics
            values = {}
        return self.header() + [f"{self.name}{_labels(self.labelnames, k)} {_number(v)}"
                                for k, v in sorted(values.items())]


class CounterFunc(Gauge):
    """A counter kept by its owner (the engine's answer cache) and read when scraped."""

    kind = "counter"


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name, help_text, labelnames=(), buckets=LATENCY_BUCKETS):
        super().__init__(name, help_text, labelnames)
        self.buckets = tuple(sorted(buckets)) + (math.inf,)
        self._series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels) -> None:
        key = self._key(labels)
        with self._lock:
            counts, total = self._series.setdefault(key, ([0] * len(self.buckets), [0.0]))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[i] += 1
                    break
            total[0] += value

    def count(self, **labels) -> int:
        series = self._series.get(self._key(labels))
        return sum(series[0]) if series else 0

    def render(self) -> list[str]:
        lines = self.header()
        with self._lock:
            items = sorted((k, (list(c), t[0])) for k, (c, t) in self._series.items())
        for key, (counts, total) in items:
            cumulative = 0
            for bound, n in zip(self.buckets, counts, strict=True):
                cumulative += n
                le = 'le="' + _number(bound) + '"'
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, key, le)} {cumulative}")
            lines.append(f"{self.name}_sum{_labels(self.labelnames, key)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(self.labelnames, key)} {cumulative}")
        return lines


class Registry:
    def __init__(self):
        self._metrics: dict[str, _Metric] = {}

    def add(self, metric: _Metric):
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


class ServiceMetrics:
    """The metrics askintl's server exports."""

    def __init__(self, index_state: Callable[[], dict] | None = None,
                 answer_cache: Callable[[], dict] | None = None):
        self.registry = Registry()
        add = self.registry.add
        self.requests = add(Counter("askintl_http_requests_total", "HTTP requests by route template and status.",
                                    ("method", "route", "status")))
        self.latency = add(Histogram("askintl_http_request_duration_seconds",
                                     "Time to answer an HTTP request (to the end of the body).", ("method", "route")))
        self.questions = add(Counter("askintl_questions_total", "Questions answered or abstained on, by channel.",
                                     ("channel",)))
        self.abstentions = add(Counter("askintl_abstentions_total",
                                       "Questions the sources did not clearly answer (abstained), by channel.",
                                       ("channel",)))
        self.rate_limited = add(Counter("askintl_rate_limited_total", "Requests refused by the rate limit (429)."))
        self.feedback = add(Counter("askintl_feedback_total", "Feedback received, by rating.", ("helpful",)))
        self.answer_records_lost = add(Counter(
            "askintl_answer_records_lost_total",
            "Answered questions that could not be recorded (the reader got the answer; askintl report "
            "will not list it), by reason: no_space (disk full) or error.", ("reason",)))
        self.reindexes = add(Counter("askintl_reindex_total", "Background reindexing runs, by outcome.",
                                     ("outcome",)))
        state = index_state or (lambda: {})
        add(Gauge("askintl_index_documents", "Documents in the live index version.",
                  read=lambda: {(): state()["documents"]}))
        add(Gauge("askintl_index_passages", "Passages in the live index version.",
                  read=lambda: {(): state()["passages"]}))
        add(Gauge("askintl_index_info", "The live index version and the embedder (value 1).",
                  ("version", "embedder"), read=lambda: {(state()["version"], state()["embedder"]): 1}))
        # Engine.ask's answer cache (askintl/cache.py): AnswerCache.stats()
        cache = answer_cache or (lambda: {})
        add(CounterFunc("askintl_answer_cache_hits_total", "Questions answered from the answer cache.",
                        read=lambda: {(): cache()["hits"]}))
        add(CounterFunc("askintl_answer_cache_misses_total",
                        "Questions looked up in the answer cache and not found (answered by the model).",
                        read=lambda: {(): cache()["misses"]}))
        add(CounterFunc("askintl_answer_cache_evictions_total",
                        "Answers dropped from the full answer cache (least recently used).",
                        read=lambda: {(): cache()["evictions"]}))
        add(Gauge("askintl_answer_cache_entries", "Answers in the answer cache.",
                  read=lambda: {(): cache()["entries"]}))
        add(Gauge("askintl_answer_cache_size", "The most answers the answer cache keeps (0: off).",
                  read=lambda: {(): cache()["size"]}))

    def render(self) -> str:
        return self.registry.render()
