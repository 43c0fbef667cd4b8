"""The review desk's pages (GET): the scripts list, a script, two versions, a job, audio.

Each view reads through the same repositories as the API with the request's
tenant-scoped session (``web.db.get_session``), so another tenant's id is a 404 page.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from shared.db.models import JobKind, JobStatus, VideoScript, Voiceover
from shared.errors import DomainValidationError, NotFoundError
from shared.repositories import jobs as store
from shared.repositories import leads
from shared.repositories import scripts as repo
from shared.repositories.voiceovers import audio_file, latest_voiceover
from shared.script.diff import compare_sections
from shared.script.types import Style
from shared.tts.storage import AudioStorage
from web.db import get_session, state
from web.pagination import Page
from web.review import presenters
from web.review.blueprint import bp
from web.review.session import require
from web.schemas.review import CompareQuerySchema, ScriptFilterSchema

PAGE_SIZE = 20
# The lead filter offers the newest leads by name; more than this is a job for the API.
LEAD_CHOICES = 200
_SCRIPT_JOBS = frozenset({JobKind.GENERATE_SCRIPT, JobKind.REGENERATE_SECTION})


def load(schema: ma.Schema, data: Any) -> dict[str, Any]:
    """Validate ``data``; the first problem becomes a 422 page naming the field."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ma.ValidationError as error:
        field, reasons = next(iter(_flatten(error.messages).items()))
        raise DomainValidationError(field, " ".join(reasons)) from None
    return loaded


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for name, inner in messages.items():
            flat.update(_flatten(inner, f"{prefix}.{name}" if prefix else str(name)))
        return flat
    return {prefix or "form": [str(m) for m in messages]}


@bp.get("/")
def scripts() -> ResponseReturnValue:
    """Scripts, newest first, filtered by style, review status and lead."""
    require("read")
    query = load(ScriptFilterSchema(), request.args.to_dict())
    session = get_session()
    page = Page(number=query["page"], size=PAGE_SIZE)
    rows, total = repo.list_scripts(
        session, limit=page.size, offset=page.offset, lead_id=query["lead_id"],
        style=query["style"], is_approved=query["status"])
    choices, _ = leads.list_leads(session, limit=LEAD_CHOICES, offset=0)
    filters = {name: request.args.get(name, "") for name in ("style", "status", "lead_id")}
    return render_template(
        "review/list.html", rows=rows, page=page.with_total(total), filters=filters,
        names=leads.lead_names(session, {row.lead_id for row in rows}),
        lead_choices=sorted(choices, key=lambda lead: lead.company_name.lower()),
        styles=[style.value for style in Style], presenters=presenters,
        page_url=lambda number: url_for("review.scripts", **{**filters, "page": number}))


def _latest_voiceover(script: VideoScript) -> Voiceover | None:
    try:
        return latest_voiceover(get_session(), script.id)
    except NotFoundError:
        return None


@bp.get("/scripts/<id:script_id>")
def script(script_id: int) -> ResponseReturnValue:
    """One script: timeline, sections, audio, warnings, versions, review trail."""
    require("read")
    session = get_session()
    row = repo.get_script(session, script_id)
    versions = [v for v in repo.lineage(session, row) if not v.is_deleted]
    return render_template(
        "review/script.html", script=row, lead=leads.get_lead(session, row.lead_id),
        segments=presenters.timeline(row.sections), warnings=presenters.warnings_of(row),
        voiceover=presenters.voiceover_view(_latest_voiceover(row)), versions=versions,
        newest=max(v.version for v in versions), trail=repo.approval_history(session, row.id),
        compare_with=_compare_with(row, versions),
        presenters=presenters)


def _compare_with(row: VideoScript, versions: list[VideoScript]) -> VideoScript | None:
    """The version to compare with by default: the parent, else the newest other one."""
    others = [v for v in versions if v.id != row.id]
    parent = next((v for v in others if v.id == row.parent_script_id), None)
    return parent or (others[-1] if others else None)


@bp.get("/scripts/<id:script_id>/compare")
def compare(script_id: int) -> ResponseReturnValue:
    """Two versions of one lineage side by side, the changed sections highlighted."""
    require("read")
    other_id = load(CompareQuerySchema(), request.args.to_dict())["other"]
    session = get_session()
    left, right = repo.get_script(session, other_id), repo.get_script(session, script_id)
    if left.lineage_id != right.lineage_id:
        raise DomainValidationError("other", f"script {other_id} is not a version of "
                                             f"script {script_id}")
    if left.version > right.version:
        left, right = right, left
    return render_template("review/compare.html", left=left, right=right,
                           changes=compare_sections(left.sections, right.sections),
                           lead=leads.get_lead(session, right.lead_id))


@bp.get("/scripts/<id:script_id>/voiceover-status")
def voiceover_status(script_id: int) -> ResponseReturnValue:
    """The script's voiceover state, polled by the page while a voiceover is queued."""
    require("read")
    row = repo.get_script(get_session(), script_id)
    return jsonify(status=row.voiceover_status.value)


@bp.get("/scripts/<id:script_id>/delete")
def confirm_delete(script_id: int) -> ResponseReturnValue:
    """Ask before deleting (the form on this page does it)."""
    require("review")
    row = repo.get_script(get_session(), script_id)
    return render_template("review/confirm_delete.html", script=row,
                           lead=leads.get_lead(get_session(), row.lead_id))


def _job_view(job_id: uuid.UUID) -> dict[str, Any]:
    job = store.get_job(get_session(), job_id)
    if job is None:
        raise NotFoundError("job", job_id)
    result = job.result or {}
    script_url = None
    if job.status == JobStatus.SUCCEEDED and job.kind in _SCRIPT_JOBS and "script_id" in result:
        script_url = url_for("review.script", script_id=result["script_id"])
    return {"id": str(job.id), "kind": job.kind.value, "status": job.status.value,
            "progress": job.progress, "script_url": script_url,
            "error": (job.error or {}).get("message"),
            "warnings": list(result.get("warnings") or [])}


@bp.get("/jobs/<uuid:job_id>")
def job(job_id: uuid.UUID) -> ResponseReturnValue:
    """A job's progress (refreshing itself); a finished script job opens its script."""
    require("read")
    view = _job_view(job_id)
    if view["script_url"]:
        return redirect(view["script_url"], code=303)
    return render_template("review/job.html", job=view)


@bp.get("/jobs/<uuid:job_id>/status")
def job_status(job_id: uuid.UUID) -> ResponseReturnValue:
    """The same as JSON, for the page's script."""
    require("read")
    return jsonify(_job_view(job_id))


def _send_audio(voiceover_id: int, section: int | None) -> Response:
    require("read")
    storage = AudioStorage(state().settings.storage_dir)
    path = audio_file(get_session(), voiceover_id, storage, section=section)
    return send_file(path, mimetype="audio/wav", conditional=True)


@bp.get("/audio/<id:voiceover_id>")
def full_track(voiceover_id: int) -> ResponseReturnValue:
    """The full voiceover track, for the page's audio player (a session, not a bearer)."""
    return _send_audio(voiceover_id, None)


@bp.get("/audio/<id:voiceover_id>/<index:section_index>")
def section_track(voiceover_id: int, section_index: int) -> ResponseReturnValue:
    """One section's audio."""
    return _send_audio(voiceover_id, section_index)
