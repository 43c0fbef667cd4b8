"""Exception logs never carry local variables (issue 10): a frame's locals are where a
contact's e-mail, a request body or an API key live, and a traceback logged them once
``rich`` was importable."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest

from shared.config import Settings
from shared.logging import configure_logging

# Built at run time, so the address is in a local variable but not in any source line a
# traceback quotes.
SECRET_EMAIL = "jane.doe" + "@" + "contact.example"
SECRET_KEY = "sf_" + "S3cr3tT0k3n" * 3


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _fail_with_pii_in_locals(email: str) -> None:
    contact = {"name": "Jane Doe", "email": email}
    authorization = f"Bearer {SECRET_KEY}"
    raise ValueError(f"could not write a script for lead {len(contact)}{len(authorization)}")


def test_rich_is_importable_so_the_dangerous_renderer_would_be_picked() -> None:
    # structlog's console renderer switches to rich tracebacks with locals when rich is
    # importable; the test extras install it so the tests below cover that case.
    import rich

    assert rich is not None


@pytest.mark.parametrize("log_json", [False, True], ids=["console", "json"])
def test_a_logged_exception_shows_no_local_variables(
    log_json: bool, make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(make_settings(log_json=log_json, log_level="INFO"))
    try:
        _fail_with_pii_in_locals(SECRET_EMAIL)
    except ValueError:
        logging.getLogger("tests.logging").exception("script failed")
    err = capsys.readouterr().err
    assert "script failed" in err
    assert "_fail_with_pii_in_locals" in err  # the traceback is there, with its frames
    assert SECRET_EMAIL not in err
    assert SECRET_KEY not in err
    assert "Jane Doe" not in err
    if log_json:
        record = json.loads(err.strip().splitlines()[-1])
        # A structured traceback a collector can index, not the repr of a traceback object.
        assert record["exception"][0]["exc_type"] == "ValueError"
        assert all(set(frame) == {"filename", "lineno", "name"}
                   for frame in record["exception"][0]["frames"])
