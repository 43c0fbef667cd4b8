"""docker-compose.yml and the Prometheus config it mounts, checked by reading them.

Docker is not available where the tests run, so what can be checked without it is: the
files parse, the default stack is unchanged by the operations view (which stays behind the
``ops`` profile), Prometheus scrapes the web and every worker on the ports they serve, and
the workers consume every queue the tasks are routed to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.observability.collector import celery_queues

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _prometheus_config(compose: dict[str, Any]) -> dict[str, Any]:
    mounts = compose["services"]["prometheus"]["volumes"]
    source = next(m.split(":")[0] for m in mounts if m.endswith("/prometheus.yml:ro"))
    path = (ROOT / source).resolve()
    assert path.is_relative_to(ROOT), source
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def test_the_operations_view_is_behind_the_ops_profile() -> None:
    services = _compose()["services"]
    assert services["prometheus"]["profiles"] == ["ops"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["flower"]["profiles"] == ["ops"]
    assert "flower" in services["flower"]["command"]
    default = {name for name, service in services.items() if "profiles" not in service}
    assert default == {"postgres", "redis", "migrate", "web", "worker", "voiceover", "webhooks",
                       "beat"}


def test_prometheus_scrapes_the_web_and_every_worker_exporter() -> None:
    compose = _compose()
    services = compose["services"]
    config = _prometheus_config(compose)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}

    web = jobs["scriptforge-web"]
    assert web["metrics_path"] == "/metrics"
    assert web["static_configs"][0]["targets"] == ["web:8000"]
    assert "8000:8000" in services["web"]["ports"]

    workers = jobs["scriptforge-workers"]["dns_sd_configs"][0]
    consumers = {name for name, service in services.items()
                 if "worker" in service.get("command", []) and "celery" in service["command"]}
    assert consumers == {"worker", "voiceover", "webhooks"}
    assert set(workers["names"]) == consumers
    for name in consumers:
        assert int(services[name]["environment"]["WORKER_METRICS_PORT"]) == workers["port"]


def test_the_web_sums_its_gunicorn_workers_and_the_workers_cover_every_queue() -> None:
    services = _compose()["services"]
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert "METRICS_TOKEN" in services["web"]["environment"]
    consumed: set[str] = set()
    for name in ("worker", "voiceover", "webhooks"):
        command = services[name]["command"]
        consumed.update(command[command.index("--queues") + 1].split(","))
    assert consumed == set(celery_queues())
