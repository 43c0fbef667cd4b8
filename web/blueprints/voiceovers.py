"""Voiceover audio files."""

from __future__ import annotations

from flask import Response, send_file
from flask.views import MethodView

from shared.repositories.voiceovers import audio_file
from shared.tts.storage import AudioStorage
from web.auth import requires_scope
from web.db import get_session, state
from web.parsing import Blueprint

blp = Blueprint("voiceovers", __name__, url_prefix="/api/v1/voiceovers",
                description="Voiceover audio (WAV).")
_WAV = {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}


def _send(voiceover_id: int, section: int | None) -> Response:
    storage = AudioStorage(state().settings.storage_dir)
    path = audio_file(get_session(), voiceover_id, storage, section=section)
    return send_file(path, mimetype="audio/wav", conditional=True, max_age=3600)


@blp.route("/<id:voiceover_id>/audio")
class FullTrack(MethodView):
    @requires_scope("read")
    @blp.response(200, description="The full track, short pauses between sections.",
                  content_type="audio/wav")
    def get(self, voiceover_id: int) -> Response:
        """The voiceover's full WAV track."""
        return _send(voiceover_id, None)


@blp.route("/<id:voiceover_id>/audio/<index:section_index>")
class SectionTrack(MethodView):
    @requires_scope("read")
    @blp.response(200, description="One section's WAV.", content_type="audio/wav")
    def get(self, voiceover_id: int, section_index: int) -> Response:
        """One section's WAV (0-based index)."""
        return _send(voiceover_id, section_index)
