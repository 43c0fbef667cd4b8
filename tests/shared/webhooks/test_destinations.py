"""The SSRF guard (§12): private destinations are refused when WEBHOOK_ALLOW_PRIVATE is off,
judged on the addresses a name resolves to at delivery time, and the connection goes to
the address that was checked."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from shared.errors import DestinationRefusedError
from shared.webhooks import destinations
from shared.webhooks.destinations import check_at_creation, refusal
from shared.webhooks.sender import send
from tests.support.webhook_receiver import webhook_receiver

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize("address", [
    "10.0.0.1", "10.255.3.4", "127.0.0.1", "127.8.9.10", "169.254.169.254", "192.168.1.1",
    "172.16.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "::",
    "fe80::1", "fc00::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
])
def test_internal_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url", [
    "https://10.1.2.3/h", "https://127.0.0.1/h", "https://169.254.169.254/latest",
    "https://[::1]/h", "https://localhost/h", "https://LOCALHOST:8443/h",
    "http://example.com/h",  # not https
])
def test_creation_refuses_private_and_plain_http_destinations(url: str) -> None:
    with pytest.raises(DestinationRefusedError):
        check_at_creation(url, allow_private=False)


def test_creation_accepts_a_name_that_does_not_resolve_yet() -> None:
    check_at_creation("https://hooks.not-yet.invalid/h", allow_private=False)


def _resolving(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port)) for a in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(destinations.socket, "getaddrinfo", fake)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/hook", "http://localhost:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
])
def test_delivery_to_a_private_address_is_refused_without_connecting(url: str) -> None:
    with webhook_receiver() as receiver:
        result = send(url.format(port=receiver.server.server_port), secret=SECRET,
                      message_id="msg_1", body="{}", timeout_seconds=2, allow_private=False)
        # Refused before any connection was opened, so nothing can be on its way.
        assert receiver.received == []
    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("destination refused")


def test_a_name_rebound_to_an_internal_address_is_refused_at_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Public when registered, internal (one of its addresses) when delivered.
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    result = send("https://hooks.example.com/h", secret=SECRET, message_id="msg_1",
                  body="{}", timeout_seconds=2, allow_private=False)
    assert result.error is not None
    assert "10.0.0.7" in result.error


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resolution happens once, in the guard; the request is pinned to its answer."""
    _resolving(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    with webhook_receiver() as receiver:
        receiver.secret = SECRET
        port = receiver.server.server_port
        result = send(f"http://hooks.example.com:{port}/hook", secret=SECRET,
                      message_id="msg_pinned", body='{"type":"ping"}', timeout_seconds=5,
                      allow_private=True)
        [request] = receiver.wait_for(1)
        receiver.verified()
    assert result.delivered
    assert request.headers["host"] == f"hooks.example.com:{port}"
    assert request.webhook_id == "msg_pinned"
