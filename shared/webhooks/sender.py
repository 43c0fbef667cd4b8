"""One signed HTTP POST to a receiver, pinned to the address the guard checked (§12).

The URL's host is resolved and checked (``destinations``), then the request goes to the
checked IP itself, with the original ``Host`` header and, for https, the original name as
TLS SNI and for certificate verification (httpcore's ``sni_hostname`` extension). So no
second lookup happens between check and connect that a DNS change could redirect.
Redirects are not followed, proxies from the environment are ignored (they would resolve
the name again), and the response body is never read.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import certifi
import httpx
from standardwebhooks import Webhook

from shared.errors import DestinationRefusedError
from shared.webhooks.destinations import checked_addresses, parse_destination

ERROR_MAX = 500

# Building a verifying TLS context (loading the CA bundle) costs more than a local
# delivery; one context serves every attempt (SSLContext is safe to share across threads).
_TLS = ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers; the timestamp is this attempt's, the id the event's."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
        "user-agent": "scriptforge-webhooks/1",
    }


def send(url: str, *, secret: str, message_id: str, body: str, timeout_seconds: float,
         allow_private: bool) -> SendResult:
    started = time.monotonic()

    def result(status: int | None, error: str | None) -> SendResult:
        latency = int((time.monotonic() - started) * 1000)
        return SendResult(status, latency, error[:ERROR_MAX] if error else None)

    try:
        destination = parse_destination(url, allow_private=allow_private)
        addresses = checked_addresses(destination, allow_private=allow_private)
    except DestinationRefusedError as refused:
        return result(None, f"destination refused: {refused}")
    headers = signed_headers(secret, message_id, body, datetime.now(UTC))
    target = httpx.URL(url)
    headers["host"] = destination.url.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": destination.host} if target.scheme == "https" else {}
    last_error = "no address to connect to"
    with httpx.Client(timeout=httpx.Timeout(timeout_seconds), follow_redirects=False,
                      trust_env=False, verify=_TLS) as client:
        for address in addresses:
            pinned = target.copy_with(host=str(address))
            try:
                with client.stream("POST", pinned, content=body.encode(), headers=headers,
                                   extensions=extensions) as response:
                    status = response.status_code
                return result(status, None if 200 <= status < 300 else f"HTTP {status}")
            except httpx.ConnectError as error:
                last_error = f"connect to {address} failed: {error}"  # try the next address
            except httpx.TimeoutException as error:
                return result(None, f"no answer within {timeout_seconds:g} s "
                                    f"({type(error).__name__})")
            except httpx.HTTPError as error:
                return result(None, f"{type(error).__name__}: {error}")
    return result(None, last_error)
