"""Job error messages never show server paths or SQL (§4: a message a person can act on)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from shared.jobs.messages import public_error_message, scrub_paths


def test_absolute_paths_become_their_last_component() -> None:
    message = ("espeak-ng exited with status 1: Can't write to output file "
               "'/srv/scriptforge/var/audio/7/3/.section-1.wav.k2j.tmp' (see /etc/x.conf)")
    scrubbed = scrub_paths(message)
    assert "/srv" not in scrubbed
    assert "/etc" not in scrubbed
    assert "'.section-1.wav.k2j.tmp'" in scrubbed
    assert "status 1" in scrubbed


def test_urls_ratios_and_relative_paths_are_kept() -> None:
    message = "speech request failed: https://api.example.com/v1/audio 3/4 sections audio/7/3"
    assert scrub_paths(message) == message


def test_database_errors_do_not_leak_sql() -> None:
    error = IntegrityError("INSERT INTO voiceovers (script_id) VALUES (%(id)s)", {"id": 7},
                           Exception("violates foreign key constraint"))
    message = public_error_message(error)
    assert "INSERT" not in message
    assert "IntegrityError" in message
    assert public_error_message(FileNotFoundError(2, "No such file", "/srv/a/b.wav")) == (
        "FileNotFoundError: [Errno 2] No such file: 'b.wav'")
