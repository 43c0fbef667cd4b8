"""The review desk's forms (POST): sign in and out, rewrite a section, decide, restore,
voice, delete. Each checks its scope, then calls the same shared code as the API.

Every post has passed the CSRF check in ``web.review.blueprint`` before it gets here. A
post from the page's script (``Accept: application/json``) is answered with JSON, a plain
form post with a redirect (303), so every form also works without JavaScript.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask import session as cookie
from flask.typing import ResponseReturnValue

from shared.db.models import ApprovalStatus
from shared.errors import AuthenticationError, MissingScopeError
from shared.jobs.regeneration import submit_regeneration
from shared.jobs.voiceover import submit_voiceover
from shared.repositories import scripts as repo
from web.db import get_session
from web.review import presenters
from web.review.blueprint import bp, safe_next, wants_json
from web.review.pages import load
from web.review.session import require, sign_in, sign_out
from web.schemas.review import SignInSchema
from web.schemas.scripts import ApprovalRequestSchema, RegenerateRequestSchema


@bp.route("/login", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page() -> ResponseReturnValue:
    """Paste an API key to sign in; the key itself is never stored."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("review/login.html", next=target)
    form = load(SignInSchema(), {"key": request.form.get("key", ""),
                                 "next": request.form.get("next", "")})
    try:
        principal = sign_in(form["key"])
    except AuthenticationError as refused:
        return render_template("review/login.html", next=target,
                               error=f"Not signed in: {refused}."), 401
    except MissingScopeError as missing:
        return render_template(
            "review/login.html", next=target,
            error=f"Not signed in: this API key lacks the '{missing.scope}' scope the "
                  "review desk needs to show scripts."), 403
    flash(f"Signed in to {principal.tenant_slug} with key {principal.key_prefix}…", "ok")
    return redirect(safe_next(form["next"]), code=303)


@bp.post("/logout")
def sign_out_action() -> ResponseReturnValue:
    """End the session (the key stays valid; revoke it with the API or the CLI)."""
    sign_out()
    flash("Signed out.", "ok")
    return redirect(url_for("review.sign_in"), code=303)


@bp.post("/scripts/<id:script_id>/sections/<index:section_index>/regenerate")
def regenerate(script_id: int, section_index: int) -> ResponseReturnValue:
    """Rewrite one section with the reviewer's instructions (a job; a new version)."""
    require("write")
    body = load(RegenerateRequestSchema(), {"instructions": request.form.get("instructions", "")})
    session = get_session()
    job = submit_regeneration(session, script_id, section_index, body)
    session.commit()
    status_url = url_for("review.job", job_id=job.id)
    if wants_json():
        return jsonify(job_id=str(job.id), page_url=status_url,
                       status_url=url_for("review.job_status", job_id=job.id)), 202
    return redirect(status_url, code=303)


@bp.post("/scripts/<id:script_id>/decision")
def decide(script_id: int) -> ResponseReturnValue:
    """Approve, reject or ask for a revision, with notes; joins the approval trail."""
    require("review")
    notes = request.form.get("approval_notes", "").strip()
    body = load(ApprovalRequestSchema(), {
        "is_approved": request.form.get("is_approved", ""),
        "approved_by": request.form.get("approved_by", ""),
        "approval_notes": notes or None,
    })
    session = get_session()
    decision = ApprovalStatus(body["is_approved"])
    repo.decide_approval(session, script_id, decision=decision,
                         approved_by=body["approved_by"], notes=body.get("approval_notes"))
    session.commit()
    cookie["reviewer"] = body["approved_by"]  # offered again on the next decision
    flash(f"{presenters.DECISION_LABELS[decision]} by {body['approved_by']}.", "ok")
    return redirect(url_for("review.script", script_id=script_id), code=303)


@bp.post("/scripts/<id:script_id>/restore")
def restore(script_id: int) -> ResponseReturnValue:
    """Make this older version the newest again, as a new version copying it."""
    require("review")
    session = get_session()
    source_version = repo.get_script(session, script_id).version
    copy = repo.restore_version(session, script_id)
    session.commit()
    flash(f"Version {source_version} restored as version {copy.version}.", "ok")
    return redirect(url_for("review.script", script_id=copy.id), code=303)


@bp.post("/scripts/<id:script_id>/voiceover")
def voice(script_id: int) -> ResponseReturnValue:
    """Voice (again) this version."""
    require("write")
    session = get_session()
    submit_voiceover(session, script_id)
    session.commit()
    flash("Voiceover queued; the players appear when it is ready.", "ok")
    return redirect(url_for("review.script", script_id=script_id), code=303)


@bp.post("/scripts/<id:script_id>/delete")
def delete(script_id: int) -> ResponseReturnValue:
    """Soft-delete the script (hidden from lists; its cost and review history stay)."""
    require("review")
    session = get_session()
    repo.soft_delete(session, script_id)
    session.commit()
    flash(f"Script {script_id} deleted.", "ok")
    return redirect(url_for("review.scripts"), code=303)
