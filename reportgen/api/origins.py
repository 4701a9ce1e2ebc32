"""What a browser may make this server do on a user's behalf: the Host and Origin checks.

A browser attaches ambient credentials that a page of another origin can borrow: the sign-in
cookie, or nothing at all in keyless loopback mode, where being able to reach the socket is
the credential. Three attacks follow (issue 14), and this ASGI middleware stops each:

* DNS rebinding: a name the attacker controls is re-pointed at 127.0.0.1, so the attacker's
  page becomes "same-origin" with the server and can read it. In keyless mode only the
  loopback names (localhost, 127.0.0.1, [::1], any port) are answered; any other Host gets
  400. With keys, `REPORTGEN_ALLOWED_HOSTS` lists the names (unset: any, since a rebound
  page carries neither the key nor the cookie, which belongs to the real name).
* Cross-origin writes: a page elsewhere (another site, or another port of this host, which is
  "same-site", so SameSite=Strict does not stop it) POSTs a form or a `no-cors` fetch. Every
  state-changing request that does not carry its own `Authorization` header (so: cookie,
  keyless, or the sign-in form itself, i.e. login CSRF) must come from this origin, judged
  as Go's `http.CrossOriginProtection` does: `Sec-Fetch-Site` when the browser sends it,
  else `Origin`, else `Referer`; a request with none of them is not from a browser and
  passes. A request with its own `Authorization: Bearer` header is not ambient: a page of
  another origin cannot add that header without a CORS preflight, which this server never
  grants.
* Framing: every response says `X-Frame-Options: DENY`; the pages also send a CSP with
  `frame-ancestors 'none'` (`reportgen.web.pages`).

It sits outside `KeyCookie`, so it sees whether `Authorization` came from the client or was
made from the cookie.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORT = {"http": "80", "https": "443"}


def split_host(value: str) -> tuple[str, str | None]:
    """`Host` header -> (name, port or None); IPv6 keeps its brackets, as URLs write it."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = (value[: end + 1], value[end + 1:]) if end > 0 else (value, "")
        return name, rest[1:] if rest.startswith(":") else None
    name, sep, port = value.rpartition(":")
    return (name, port) if sep and name else (value, None)


def host_allowed(host: str, allowed: frozenset[str] | tuple[str, ...]) -> bool:
    """`allowed` holds names (any port) or `name:port` entries."""
    name, port = split_host(host)
    return bool(name) and (name in allowed or (port is not None and f"{name}:{port}" in allowed))


def _origin_of(url: str) -> str | None:
    """`scheme://host[:port]` -> `host[:port]` without the scheme's default port; None if not a URL."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORT or not parts.netloc:
        return None
    name, port = split_host(parts.netloc.rpartition("@")[2])
    return name if port in (None, _DEFAULT_PORT[parts.scheme]) else f"{name}:{port}"


def _same_host(origin: str | None, host: str) -> bool:
    if origin is None:
        return False
    name, port = split_host(host)
    return origin in (name if port is None else f"{name}:{port}", name if port in _DEFAULT_PORT.values() else "")


def cross_origin(method: str, headers: dict[str, str]) -> str | None:
    """Why this request is a cross-origin write a browser was made to send, or None when it is not."""
    if method in SAFE_METHODS:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"Sec-Fetch-Site: {site}"
    host = headers.get("host", "")
    if (origin := headers.get("origin")) is not None:
        return None if _same_host(_origin_of(origin), host) else f"Origin: {origin[:100]}"
    if (referer := headers.get("referer")) is not None:
        return None if _same_host(_origin_of(referer), host) else f"Referer from {_origin_of(referer)}"
    return None  # no browser sends a write without any of the three


class BrowserGuard:
    """ASGI middleware: the Host check, the same-origin check on ambient-credential writes, no framing."""

    def __init__(self, app: Any, *, allowed_hosts: tuple[str, ...] | None, keyless_possible: bool) -> None:
        self.app = app
        self.allowed_hosts = frozenset(allowed_hosts) if allowed_hosts is not None else None
        self.keyless_possible = keyless_possible

    def _keyless_now(self, scope: dict) -> bool:
        """Keyless loopback mode, as far as this process knows: no key seen yet."""
        if not self.keyless_possible:
            return False
        service = getattr(getattr(scope.get("app"), "state", None), "service", None)
        return service is None or not service.keys.keys_exist()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        if self._keyless_now(scope):
            if not host_allowed(host, LOOPBACK_HOSTS):
                await _refuse(send, 400, "host_not_allowed",
                              f"this server answers only to localhost, 127.0.0.1 and [::1] while it runs without "
                              f"API keys, not to Host {host[:100]!r}. Open it as http://127.0.0.1:PORT/, or create "
                              "an API key and list the name in REPORTGEN_ALLOWED_HOSTS.")
                return
        elif self.allowed_hosts is not None and not host_allowed(host, self.allowed_hosts):
            await _refuse(send, 400, "host_not_allowed",
                          f"this server does not answer to Host {host[:100]!r}: add it to REPORTGEN_ALLOWED_HOSTS "
                          "(comma-separated names) if it is one of this server's names.")
            return
        if "authorization" not in headers and (why := cross_origin(scope["method"], headers)) is not None:
            await _refuse(send, 403, "cross_origin",
                          f"refused a {scope['method']} from another web page ({why}): a browser may change data "
                          "here only from this server's own pages. Open the page from this server, or call the "
                          "API with `Authorization: Bearer KEY`.")
            return

        async def send_no_frame(message: dict) -> None:
            if message["type"] == "http.response.start":
                sent = list(message.get("headers", []))
                if not any(k.lower() == b"x-frame-options" for k, _ in sent):
                    message = {**message, "headers": [*sent, (b"x-frame-options", b"DENY")]}
            await send(message)

        await self.app(scope, receive, send_no_frame)


async def _refuse(send: Any, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-frame-options", b"DENY"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
