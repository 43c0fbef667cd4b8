"""Webhooks through the real stack (§12): the API over HTTP, Celery workers on the
``webhooks`` queue, beat running the outbox sweeper, a real receiver on loopback.

WEBHOOK_TIMEOUT_SECONDS is 2 here (10 by default) so that a killed worker's lease (twice
the timeout plus 10 s) runs out in 14 s rather than 30.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conftest import Stack
from tests.support.webhook_receiver import HANG, webhook_receiver
from tests.web.helpers import SAMPLE

WEBHOOK_ENV = {
    "WEBHOOK_ALLOW_PRIVATE": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "WEBHOOK_SWEEP_INTERVAL_SECONDS": "1",
    "WEBHOOK_RETRY_SCHEDULE": "0.5,0.5,0.5",
    "WEBHOOK_SECRET_KEY": "integration-test-webhook-key",
}


def test_events_survive_a_worker_killed_mid_delivery_and_jobs_report_their_script(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(**WEBHOOK_ENV)
    stack.start_worker(queues="scripts,voiceover", beat=True, name="jobs")
    hooks = stack.start_worker(queues="webhooks", concurrency=4, name="hooks")
    with webhook_receiver(replies=[HANG]) as receiver:
        status, webhook, _ = stack.call("POST", "/api/v1/webhooks", {
            "url": receiver.url, "events": ["job.succeeded", "ping"]})
        assert status == 201, webhook
        receiver.secret = webhook["secret"]

        # The first attempt hangs in the receiver; its worker is SIGKILLed right there.
        status, queued, _ = stack.call("POST", f"/api/v1/webhooks/{webhook['id']}/test")
        assert status == 202, queued
        receiver.wait_for(1)
        stack.kill_worker(hooks)
        receiver.release.set()
        stack.start_worker(queues="webhooks", concurrency=4, name="hooks")
        # Its lease runs out, the sweeper publishes the delivery again, it arrives.
        second = receiver.wait_for(2, timeout=120)[1]
        assert second.webhook_id == queued["webhook_id"]

        # A job run by the scripts worker reports itself, with its script.
        _, lead, _ = stack.call("POST", "/api/v1/leads", SAMPLE["lead"])
        _, site, _ = stack.call("POST", "/api/v1/demo-sites",
                                {"lead_id": lead["id"], **SAMPLE["demo_site"]})
        _, job, _ = stack.call("POST", "/api/v1/video-scripts/generate",
                               {"demo_site_id": site["id"], "voiceover": False})
        finished = stack.wait_for_job(job["id"])
        arrived = receiver.wait_for_type("job.succeeded", timeout=60)
        events = receiver.verified()  # every request, the hung one included, is signed

    assert finished["status"] == "succeeded", stack.tail_logs()
    assert arrived.event["data"]["result"]["script_id"] == finished["result"]["script_id"]
    assert [e["type"] for e in events][:2] == ["ping", "ping"]
    _, log, _ = stack.call("GET", f"/api/v1/webhooks/{webhook['id']}/deliveries")
    ping_log = [a for a in log if a["delivery_id"] == queued["delivery_id"]]
    # Attempt 1 died with its worker (nothing logged); attempt 2 delivered.
    assert [(a["attempt"], a["outcome"]) for a in ping_log] == [(2, "delivered")]
