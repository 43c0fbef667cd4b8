"""Deployment-wide figures read from the database and the broker when Prometheus scrapes.

Workers may run on other hosts, so the web's ``/metrics`` cannot rely on what the workers
counted in memory (nor on a shared multiprocess directory): jobs and the ledger are counted
in the tables every process writes (:mod:`shared.repositories.metrics`), queue depth is the
length of each Celery queue's Redis list. A scrape costs three aggregate queries and one
Redis pipeline, and the result is kept for ``METRICS_CACHE_SECONDS`` so that several
Prometheus servers, or a dashboard hammering the endpoint, cost no more than one.

If the database or the broker is down, the scrape still answers with what it could read,
and ``scriptforge_metrics_source_up{source}`` says which source failed (0) so an alert can
tell "no jobs" from "could not count jobs".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal

import redis
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shared.db.models import JobKind
from shared.db.tenancy import ALL_TENANTS, scope_session
from shared.jobs.kinds import QUEUED_TASKS, job_queues
from shared.observability.instruments import bounded
from shared.repositories import metrics as repository
from shared.script.types import CallOutcome, Tier
from shared.tasknames import SCRIPTS_QUEUE

log = logging.getLogger(__name__)

# Seconds from a job's first start to its end: a script takes seconds to a few minutes,
# a voiceover up to the task limit (600 s by default).
JOB_DURATION_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

# kombu's Redis transport keeps one list per priority step; the bare name is priority 0.
_KOMBU_PRIORITY_SEP = "\x06\x16"
_KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)

KINDS = tuple(kind.value for kind in JobKind)
FINAL_STATUSES = tuple(status.value for status in repository.FINISHED_STATUSES)
OPEN_STATUSES = tuple(status.value for status in repository.UNFINISHED_STATUSES)
TIERS = tuple(tier.value for tier in Tier)
LEDGER_OUTCOMES = tuple(o.value for o in CallOutcome if o is not CallOutcome.IN_FLIGHT)


class DeploymentCollector(Collector):
    """A prometheus_client collector over the jobs table, the ledger and the broker."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        broker: redis.Redis | None,
        key_prefix: str,
        queues: Sequence[str],
        models: Collection[str],
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._broker = broker
        self._key_prefix = key_prefix
        self._queues = tuple(queues)
        self._models = frozenset(models)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: list[Metric] = []
        self._cached_at: float | None = None

    def describe(self) -> Iterable[Metric]:
        # Registering must not query the database: no families are declared up front.
        return []

    def collect(self) -> Iterable[Metric]:
        # One scrape at a time reads the sources; others wait and share its result.
        with self._lock:
            now = self._clock()
            if self._cached_at is None or now - self._cached_at >= self._cache_seconds:
                self._cached = self._read()
                self._cached_at = now
            return list(self._cached)

    def _read(self) -> list[Metric]:
        up = GaugeMetricFamily("scriptforge_metrics_source_up",
                               "1 when the last scrape could read this source, else 0.",
                               labels=["source"])
        families: list[Metric] = []
        try:
            families += self._database_families()
            up.add_metric(["database"], 1)
        except SQLAlchemyError:
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric(["database"], 0)
        if self._broker is not None:
            try:
                families.append(self._queue_depth())
                up.add_metric(["broker"], 1)
            except redis.RedisError:
                log.warning("metrics: the broker could not be read", exc_info=True)
                up.add_metric(["broker"], 0)
        families.append(up)
        return families

    def _database_families(self) -> list[Metric]:
        session = scope_session(self._session_factory(), ALL_TENANTS)
        try:
            counts = repository.job_counts(session)
            durations = repository.job_duration_histograms(session, JOB_DURATION_BUCKETS)
            calls = repository.llm_call_totals(session)
        finally:
            session.close()
        return [*self._job_families(counts), self._duration_family(durations),
                *self._ledger_families(calls)]

    def _job_families(self, counts: list[repository.JobCount]) -> list[Metric]:
        finished: dict[tuple[str, str], float] = {
            (kind, status): 0 for kind in KINDS for status in FINAL_STATUSES}
        unfinished: dict[tuple[str, str], float] = {
            (kind, status): 0 for kind in KINDS for status in OPEN_STATUSES}
        for row in counts:
            kind = bounded(row.kind, KINDS)
            if row.status in FINAL_STATUSES:
                key = (kind, row.status)
                finished[key] = finished.get(key, 0) + row.count
            elif row.status in OPEN_STATUSES:
                key = (kind, row.status)
                unfinished[key] = unfinished.get(key, 0) + row.count
        total = CounterMetricFamily(
            "scriptforge_jobs_total",
            "Finished jobs of the whole deployment by kind and final status (from the "
            "jobs table).", labels=["kind", "status"])
        for (kind, status), value in sorted(finished.items()):
            total.add_metric([kind, status], value)
        current = GaugeMetricFamily(
            "scriptforge_jobs_unfinished",
            "Jobs queued or running right now, by kind and status (from the jobs table).",
            labels=["kind", "status"])
        for (kind, status), value in sorted(unfinished.items()):
            current.add_metric([kind, status], value)
        return [total, current]

    def _duration_family(self, rows: list[repository.DurationHistogram]) -> Metric:
        merged: dict[str, tuple[list[int], int, float]] = {
            kind: ([0] * len(JOB_DURATION_BUCKETS), 0, 0.0) for kind in KINDS}
        for row in rows:
            kind = bounded(row.kind, KINDS)
            cumulative, count, total = merged.get(
                kind, ([0] * len(JOB_DURATION_BUCKETS), 0, 0.0))
            merged[kind] = ([a + b for a, b in zip(cumulative, row.cumulative, strict=True)],
                            count + row.count, total + row.sum_seconds)
        family = HistogramMetricFamily(
            "scriptforge_job_duration_seconds",
            "Seconds from a finished job's first start to its end, by kind (from the jobs "
            "table).", labels=["kind"])
        for kind, (cumulative, count, total) in sorted(merged.items()):
            buckets = [(floatToGoString(bound), value)
                       for bound, value in zip(JOB_DURATION_BUCKETS, cumulative, strict=True)]
            family.add_metric([kind], [*buckets, ("+Inf", count)], sum_value=total)
        return family

    def _ledger_families(self, rows: list[repository.LLMCallTotals]) -> list[Metric]:
        calls: dict[tuple[str, str, str], int] = {}
        cost: dict[tuple[str, str], Decimal] = {}
        for row in rows:
            model = bounded(row.model, self._models)
            tier = bounded(row.tier, TIERS)
            outcome = bounded(row.outcome, LEDGER_OUTCOMES)
            calls[(model, tier, outcome)] = calls.get((model, tier, outcome), 0) + row.calls
            cost[(model, tier)] = cost.get((model, tier), Decimal(0)) + row.cost_usd
        calls_family = CounterMetricFamily(
            "scriptforge_llm_calls_total",
            "LLM calls in the cost ledger by model, tier and outcome (calls still in flight "
            "are not counted until they end).", labels=["model", "tier", "outcome"])
        for labels, count in sorted(calls.items()):
            calls_family.add_metric(list(labels), count)
        cost_family = CounterMetricFamily(
            "scriptforge_llm_cost_usd_total",
            "USD spent on LLM calls by model and tier, from the cost ledger.",
            labels=["model", "tier"])
        for (model, tier), usd in sorted(cost.items()):
            cost_family.add_metric([model, tier], float(usd))
        return [calls_family, cost_family]

    def _queue_depth(self) -> Metric:
        assert self._broker is not None
        with self._broker.pipeline(transaction=False) as pipe:
            for queue in self._queues:
                for key in queue_keys(self._key_prefix, queue):
                    pipe.llen(key)
            lengths = pipe.execute()
        family = GaugeMetricFamily(
            "scriptforge_queue_depth",
            "Messages waiting in each Celery queue on the broker (not yet taken by a worker).",
            labels=["queue"])
        per_queue = len(_KOMBU_PRIORITY_STEPS)
        for index, queue in enumerate(self._queues):
            family.add_metric([queue], sum(lengths[index * per_queue:(index + 1) * per_queue]))
        return family


def celery_queues() -> tuple[str, ...]:
    """Every queue this project's tasks go to: the job kinds' queues (the registry), the
    queues of the other declared tasks (webhook deliveries) and the default one the system
    tasks use (worker/celery_app.py: sweeper, nightly batch)."""
    return tuple(dict.fromkeys((*job_queues(), *(spec.queue for spec in QUEUED_TASKS),
                                SCRIPTS_QUEUE)))


def queue_keys(key_prefix: str, queue: str) -> list[str]:
    """The Redis lists kombu keeps for ``queue``: one per priority step, all prefixed.

    kombu's ``global_keyprefix`` (``REDIS_KEY_PREFIX``) is prepended to every key it
    touches, the queue lists included.
    """
    return [key_prefix + queue + (f"{_KOMBU_PRIORITY_SEP}{step}" if step else "")
            for step in _KOMBU_PRIORITY_STEPS]

