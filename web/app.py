"""The Flask application factory. The web process validates, writes job rows, publishes.

It never calls an LLM: with a broker configured, jobs go to Celery; without one (embedded
mode, §2.1) they run on an in-process worker that executes the very same job code.
"""

from __future__ import annotations

import atexit

import redis
from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine

from shared.config import Settings, load_settings
from shared.db.migrate import upgrade_to_head
from shared.db.session import make_engine, make_session_factory
from shared.jobs.inprocess import InProcessWorker
from shared.jobs.publishing import JobPublisher, forget_publish, install_publisher
from shared.jobs.runtime import build_runtime
from shared.logging import configure_logging
from web import auth, db, review
from web.access_log import install_access_log
from web.blueprints import (
    admin,
    analytics,
    batches,
    health,
    jobs,
    leads,
    metrics,
    video_scripts,
    voiceovers,
    webhooks,
)
from web.docs_ui import ASSET_ENDPOINT, DOCS_CSP, PAGE_ENDPOINT, install_docs_ui
from web.errors import ScriptforgeApi, register_domain_error_handlers, register_outage_handlers
from web.http_metrics import install_http_metrics
from web.parsing import install_body_limit, install_converters, install_query_guard
from web.rate_limits import install_rate_limits
from web.security_headers import install_security_headers


def create_app(
    settings: Settings | None = None,
    *,
    publisher: JobPublisher | None = None,
    redis_client: redis.Redis | None = None,
) -> Flask:
    """Build the app. ``publisher`` and ``redis_client`` replace the broker in tests."""
    settings = settings or load_settings()
    configure_logging(settings)
    app = Flask(__name__)
    app.config.update(
        API_TITLE="scriptforge",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        # No OPENAPI_SWAGGER_UI_*: flask-smorest's page loads Swagger UI from a CDN;
        # web/docs_ui.py serves /api/docs from local files instead.
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_SORT_KEYS=False,
        # Every operation needs a key unless it says otherwise (§11); see web/auth.py.
        API_SPEC_OPTIONS={"security": [{auth.SECURITY_SCHEME: []}]},
    )
    db.init_app(app, _build_state(app, settings, publisher, redis_client))

    api = ScriptforgeApi(app)
    auth.init_app(app, api)  # first hook: a stranger learns nothing from later checks
    install_rate_limits(app, settings)  # second: counts per key, so after authentication
    register_domain_error_handlers(app)
    register_outage_handlers(app)
    install_converters(app, api)  # bounded path ids; before any route is registered
    install_body_limit(app)
    install_query_guard(app)
    for blueprint in (leads.leads_blp, leads.demo_sites_blp, video_scripts.blp, jobs.blp,
                      voiceovers.blp, batches.blp, admin.keys_blp, admin.tenant_blp,
                      analytics.costs_blp, analytics.stats_blp,
                      webhooks.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(health.blp)
    metrics.init_app(app, app.extensions[db.EXTENSION])
    install_docs_ui(app)
    review.init_app(app, settings, api)  # the review desk's pages (§14), after the converters
    install_security_headers(
        app, page_policies={PAGE_ENDPOINT: DOCS_CSP},
        blueprint_policies={review.BLUEPRINT: review.REVIEW_CSP},
        blueprint_prefixes={auth.SESSION_PREFIX: review.BLUEPRINT},
        referrer_policies={review.BLUEPRINT: review.REVIEW_REFERRER_POLICY},
        cacheable_endpoints=frozenset({ASSET_ENDPOINT, review.ASSET_ENDPOINT}))
    install_access_log(app)
    install_http_metrics(app)
    return app


def _build_state(
    app: Flask, settings: Settings, publisher: JobPublisher | None,
    redis_client: redis.Redis | None,
) -> db.WebState:
    if settings.embedded_database:
        # Zero-services mode: the SQLite file is created and migrated on first start.
        upgrade_to_head(settings.resolved_database_url)
    if publisher is None and settings.embedded_worker:
        worker = InProcessWorker(settings.embedded_worker_threads,
                                 webhook_workers=settings.webhook_concurrency)
        runtime = build_runtime(settings, worker)
        worker.attach(runtime)
        app.extensions["scriptforge.worker"] = worker
        atexit.register(worker.shutdown, wait=False)
        return db.WebState(settings, runtime.db_engine, runtime.session_factory, worker)
    engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow,
                         connect_timeout_seconds=settings.db_connect_timeout_seconds)
    if publisher is None:
        publisher = _broker_publisher(settings, engine)
    factory = make_session_factory(engine)
    install_publisher(factory, publisher)
    if redis_client is None and settings.redis_url:
        # The readiness probe answers promptly: one try, short timeouts, no redis-py retries.
        timeout = settings.broker_publish_timeout_seconds
        redis_client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
    ping = redis_client.ping if redis_client is not None else None
    return db.WebState(settings, engine, factory, publisher, ping_broker=ping,
                       broker=redis_client)


def _broker_publisher(settings: Settings, engine: Engine) -> JobPublisher:
    """Celery publishing that never holds a request longer than ``PUBLISH_WAIT_SECONDS``."""
    from web.publisher import BackgroundPublisher, CeleryPublisher  # production only

    publisher = BackgroundPublisher(
        CeleryPublisher(settings),
        on_late_failure=lambda job_id: forget_publish(engine, job_id),
        wait_seconds=settings.publish_wait_seconds,
        breaker_seconds=settings.publish_breaker_seconds,
    )
    atexit.register(publisher.shutdown, wait=True)
    return publisher
