"""The address of the person making a request, seen through the reverse proxies we trust.

Behind a proxy every request comes from the proxy's address (REMOTE_ADDR). The proxy passes the
address it was reached from in `X-Forwarded-For`, appending to whatever the caller sent, so only the
entries our own proxies appended can be believed: anything to their left may be forged.

`TRUSTED_PROXIES` names our proxies in one of two ways:
- a count (`"1"`): that many proxies stand in front of every request; the client is the address the
  outermost one appended. Use it when the proxies' addresses change (a cloud load balancer).
- a list of addresses or networks (`"10.0.0.0/8,192.0.2.7"`): walking from REMOTE_ADDR leftwards
  through `X-Forwarded-For`, every hop from a listed address is skipped; the first other address is
  the client. A request whose REMOTE_ADDR is not listed did not come through our proxies and its
  header is ignored entirely.
Unset, the header is never read.

django-ipware was considered: by default it believes several client-set headers and, given trusted
proxies, matches them inside the header rather than checking who actually connected.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_proxies(value: str) -> int | tuple[Network, ...]:
    """Parses the `TRUSTED_PROXIES` setting: a count, or comma-separated addresses/networks."""
    value = value.strip()
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    try:
        return tuple(ipaddress.ip_network(part) for part in _parts(value))
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the hop our trusted proxies vouch for."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = trusted_proxies(settings.TRUSTED_PROXIES)
    if remote is None or not trusted:
        return remote
    chain = [*_parts(request.META.get("HTTP_X_FORWARDED_FOR", "")), remote]
    if isinstance(trusted, int):
        # Too few hops: the request did not pass through every proxy, so the header proves nothing.
        if len(chain) <= trusted:
            return remote
        candidate = chain[-(trusted + 1)]
        return candidate if _address(candidate) else remote
    client = remote
    for hop in reversed(chain):
        address = _address(hop)
        if address is None:
            # A trusted proxy would not have written this: stop at the last hop we could read.
            return client
        client = hop
        if not any(address in network for network in trusted):
            return client
    return client
