"""The SSRF guard (§12): webhooks go to https on public addresses only.

Checked twice. At creation, for a quick 422 on an obviously internal URL. At delivery,
authoritatively: the host is resolved then, every address it resolves to is checked, and
the connection is made to a checked address (``shared.webhooks.sender`` pins it), so a DNS
record changed after creation (or between our lookup and the connect) cannot point a
delivery at an internal service. ``WEBHOOK_ALLOW_PRIVATE=true`` lifts both rules for
development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from shared.errors import DestinationRefusedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Destination:
    url: SplitResult
    host: str
    port: int


def parse_destination(url: str, *, allow_private: bool) -> Destination:
    """The URL's parts, or :class:`DestinationRefusedError` saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise DestinationRefusedError(f"not a valid URL ({error})") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise DestinationRefusedError(
            "must be an https URL" if not allow_private else "must be an http(s) URL")
    if not parts.hostname:
        raise DestinationRefusedError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefusedError("must not carry credentials")
    if parts.fragment:
        raise DestinationRefusedError("must not have a #fragment")
    default = 443 if parts.scheme == "https" else 80
    return Destination(url=parts, host=parts.hostname, port=port or default)


def refusal(address: IPAddress) -> str | None:
    """Why deliveries may not go to ``address``, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    checks = (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("not globally routable", not address.is_global),
    )
    for reason, applies in checks:
        if applies:
            return f"{address} is a {reason} address" if reason != "not globally routable" \
                else f"{address} is not a public address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DestinationRefusedError(f"cannot resolve {host}: {error}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DestinationRefusedError(f"{host} resolves to no address")
    return addresses


def checked_addresses(destination: Destination, *, allow_private: bool) -> list[IPAddress]:
    """Resolve now and refuse if any address is not public (a name with one internal
    address among public ones is refused: round-robin would reach it)."""
    addresses = resolve(destination.host, destination.port)
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason:
                raise DestinationRefusedError(
                    f"{destination.host} is refused: {reason} (WEBHOOK_ALLOW_PRIVATE is off)")
    return addresses


def check_at_creation(url: str, *, allow_private: bool) -> None:
    """The quick check when a webhook is registered.

    A name that does not resolve yet is accepted (it may be set up after the webhook):
    every delivery checks again, and that check is the one that counts.
    """
    destination = parse_destination(url, allow_private=allow_private)
    if allow_private:
        return
    try:
        checked_addresses(destination, allow_private=False)
    except DestinationRefusedError as refused:
        if str(refused).startswith("cannot resolve"):
            return
        raise
