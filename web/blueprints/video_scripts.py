"""Video scripts: generation, reads, versions, section regeneration, approval, deletion."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from shared.db.models import ApprovalStatus, Job, ScriptApproval, VideoScript, Voiceover
from shared.jobs.generation import submit_generation
from shared.jobs.regeneration import submit_regeneration
from shared.jobs.voiceover import submit_voiceover
from shared.repositories import scripts as repo
from shared.repositories.leads import get_demo_site
from shared.repositories.voiceovers import latest_voiceover
from shared.tts.storage import AudioStorage
from web.accepted import accept_job
from web.auth import requires_scope
from web.db import get_session, state
from web.pagination import total_count_header
from web.parsing import Blueprint
from web.rate_limits import creates_job
from web.schemas.jobs import GenerateRequestSchema, JobSchema
from web.schemas.scripts import (
    ApprovalRequestSchema,
    ApprovalSchema,
    DeleteQuerySchema,
    IncludeDeletedQuerySchema,
    RegenerateRequestSchema,
    ScriptListQuerySchema,
    VideoScriptSchema,
)
from web.schemas.voiceovers import VoiceoverManifestSchema

blp = Blueprint(
    "video_scripts", __name__, url_prefix="/api/v1/video-scripts",
    description="Generated video scripts and their review loop.",
)
_ACCEPTED_HEADERS = {"Location": {"description": "The job to poll.", "schema": {"type": "string"}}}


@blp.route("/generate")
class Generate(MethodView):
    @blp.arguments(GenerateRequestSchema, example={
        "demo_site_id": 1, "style": "sales", "max_duration_seconds": 90,
        "custom_instructions": "Stress the subscription numbers.",
    })
    @requires_scope("write")
    @creates_job
    @blp.response(202, JobSchema, headers=_ACCEPTED_HEADERS)
    @blp.alt_response(404, description="Unknown demo site.")
    @blp.alt_response(409, description="Same Idempotency-Key still in flight.")
    def post(self, body: dict[str, Any]) -> tuple[Job, int, dict[str, str]]:
        """Enqueue a script generation; poll the returned job."""
        allow_model = state().settings.llm_allow_model_override
        return accept_job(body, lambda: submit_generation(
            get_session(), body, allow_model_override=allow_model))


@blp.route("")
class ScriptCollection(MethodView):
    @requires_scope("read")
    @blp.arguments(ScriptListQuerySchema, location="query")
    @blp.response(200, VideoScriptSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any]) -> tuple[list[VideoScript], dict[str, str]]:
        """List scripts, newest first; filter by lead, demo site, style and approval."""
        rows, total = repo.list_scripts(get_session(), **query)
        return rows, {"X-Total-Count": str(total)}


@blp.route("/demo/<id:demo_id>")
class ScriptsOfDemoSite(MethodView):
    @requires_scope("read")
    @blp.arguments(IncludeDeletedQuerySchema, location="query")
    @blp.response(200, VideoScriptSchema(many=True))
    def get(self, query: dict[str, Any], demo_id: int) -> list[VideoScript]:
        """All scripts of one demo site, newest first."""
        session = get_session()
        get_demo_site(session, demo_id)
        rows, _ = repo.list_scripts(session, demo_site_id=demo_id, limit=1000, offset=0,
                                    include_deleted=query["include_deleted"])
        return rows


@blp.route("/<id:script_id>")
class ScriptItem(MethodView):
    @requires_scope("read")
    @blp.arguments(IncludeDeletedQuerySchema, location="query")
    @blp.response(200, VideoScriptSchema)
    def get(self, query: dict[str, Any], script_id: int) -> VideoScript:
        """Read a script; counts the view (times_viewed, last_viewed_at)."""
        session = get_session()
        script = repo.record_view(session, script_id, include_deleted=query["include_deleted"])
        session.commit()
        return script

    @requires_scope("review")
    @blp.arguments(DeleteQuerySchema, location="query")
    @blp.response(204)
    def delete(self, query: dict[str, Any], script_id: int) -> None:
        """Soft-delete a script (idempotent: 204 again), or remove it with hard_delete=true."""
        session = get_session()
        if query["hard_delete"]:
            repo.hard_delete(session, script_id, storage=AudioStorage(state().settings.storage_dir))
        else:
            repo.soft_delete(session, script_id)
        session.commit()


@blp.route("/<id:script_id>/versions")
class ScriptVersions(MethodView):
    @requires_scope("read")
    @blp.arguments(IncludeDeletedQuerySchema, location="query")
    @blp.response(200, VideoScriptSchema(many=True))
    def get(self, query: dict[str, Any], script_id: int) -> list[VideoScript]:
        """The whole lineage this script belongs to, oldest version first."""
        session = get_session()
        script = repo.get_script(session, script_id, include_deleted=query["include_deleted"])
        return [version for version in repo.lineage(session, script)
                if query["include_deleted"] or not version.is_deleted]


@blp.route("/<id:script_id>/section/<signed_index:section_index>")
class SectionRegeneration(MethodView):
    @requires_scope("write")
    @creates_job
    @blp.arguments(RegenerateRequestSchema)
    @blp.response(202, JobSchema, headers=_ACCEPTED_HEADERS)
    @blp.alt_response(404, description="Unknown or soft-deleted script.")
    @blp.alt_response(422, description="Index outside the script (the message says how many).")
    def put(self, body: dict[str, Any], script_id: int, section_index: int
            ) -> tuple[Job, int, dict[str, str]]:
        """Regenerate one section (0-based) as a new version; poll the returned job."""
        return accept_job(
            {**body, "script_id": script_id, "section_index": section_index},
            lambda: submit_regeneration(get_session(), script_id, section_index, body),
        )


@blp.route("/<id:script_id>/approve")
class ScriptApprovalDecision(MethodView):
    @requires_scope("review")
    @blp.arguments(ApprovalRequestSchema)
    @blp.response(200, VideoScriptSchema)
    def put(self, body: dict[str, Any], script_id: int) -> VideoScript:
        """Approve, reject or ask for a revision; every decision joins the audit trail."""
        session = get_session()
        script = repo.decide_approval(
            session, script_id, decision=ApprovalStatus(body["is_approved"]),
            approved_by=body["approved_by"],
            notes=body.get("approval_notes"),
        )
        session.commit()
        return script


@blp.route("/<id:script_id>/restore")
class ScriptRestore(MethodView):
    @requires_scope("review")
    @blp.response(201, VideoScriptSchema)
    @blp.alt_response(404, description="Unknown or soft-deleted script.")
    @blp.alt_response(409, description="The version breaks the timing promise (§3.5).")
    def post(self, script_id: int) -> VideoScript:
        """Restore an older version: a new newest version of the lineage copying it."""
        session = get_session()
        script = repo.restore_version(session, script_id)
        session.commit()
        return script


@blp.route("/<id:script_id>/approvals")
class ScriptApprovalTrail(MethodView):
    @requires_scope("read")
    @blp.response(200, ApprovalSchema(many=True))
    def get(self, script_id: int) -> list[ScriptApproval]:
        """The script's approval audit trail, oldest decision first."""
        return repo.approval_history(get_session(), script_id)


@blp.route("/<id:script_id>/voiceover")
class ScriptVoiceover(MethodView):
    @requires_scope("read")
    @blp.response(200, VoiceoverManifestSchema)
    @blp.alt_response(404, description="Unknown script, or never voiced.")
    def get(self, script_id: int) -> Voiceover:
        """The latest voiceover's manifest: audio URLs, planned vs measured seconds."""
        return latest_voiceover(get_session(), script_id)

    @requires_scope("write")
    @creates_job
    @blp.response(202, JobSchema, headers=_ACCEPTED_HEADERS)
    def post(self, script_id: int) -> tuple[Job, int, dict[str, str]]:
        """(Re)voice a script; poll the returned job."""
        return accept_job({"script_id": script_id},
                          lambda: submit_voiceover(get_session(), script_id))
