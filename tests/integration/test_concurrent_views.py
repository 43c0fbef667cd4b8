"""View counting is one atomic UPDATE: parallel reads on Postgres lose no count."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from shared.config import Settings
from tests.support.keys import issue_key
from tests.web.helpers import create_lead_and_site, keyed_client, wait_for_job


def test_fifty_parallel_reads_count_fifty(
    postgres_url: str, make_settings: Callable[..., Settings]
) -> None:
    from web.app import create_app

    # Postgres with the in-process worker: the database is what is under test here.
    app = create_app(make_settings(database_url=postgres_url))
    try:
        token = issue_key(app.extensions["scriptforge"].session_factory)
        client = keyed_client(app, token=token)
        _, site_id = create_lead_and_site(client)
        job = client.post("/api/v1/video-scripts/generate", json={"demo_site_id": site_id}).json
        script_id = wait_for_job(client, job["id"])["result"]["script_id"]

        def read(_: int) -> int:
            with keyed_client(app, token=token) as own:
                return own.get(f"/api/v1/video-scripts/{script_id}").status_code

        with ThreadPoolExecutor(max_workers=25) as pool:
            statuses = list(pool.map(read, range(50)))
        assert statuses == [200] * 50
        final = client.get(f"/api/v1/video-scripts/{script_id}").json
        assert final["times_viewed"] == 51  # the 50 parallel reads plus this one
    finally:
        app.extensions["scriptforge.worker"].shutdown(wait=True)
        app.extensions["scriptforge"].db_engine.dispose()
