"""Who may talk to the server: the Host and Origin checks, the token, and the headers every response carries.

- Host: only names this server answers to (loopback names; the --host given; on a wildcard address also IP
  literals and this machine's names). A page on another site that rebinds its own DNS name to 127.0.0.1
  still sends its own name as Host, and gets 403.
- Origin: a request that names an origin must come from this very server (scheme-less host:port equal to
  Host); `Sec-Fetch-Site: cross-site` is refused too, except a plain navigation to a page. With the JSON-only
  POST bodies (a form on another site cannot send application/json), no other site can change anything.
- Token (always off loopback): `?token=` once (then an HttpOnly cookie), the cookie, or `Authorization: Bearer`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

TOKEN_COOKIE = "quizzer_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                 b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the token may be in the URL once
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_name(netloc: str) -> str:
    """The host of a Host header or netloc, without port or IPv6 brackets, lower-case, without a final dot."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:netloc.find("]")] if "]" in netloc else netloc
    if netloc.count(":") == 1:
        netloc = netloc.split(":", 1)[0]
    return netloc.rstrip(".")


@dataclass(frozen=True)
class AccessPolicy:
    """The names this server answers to and its token (None: no token asked)."""

    host: str = "127.0.0.1"
    token: str | None = None
    extra_names: frozenset[str] = frozenset()

    @classmethod
    def for_host(cls, host: str, token: str | None) -> AccessPolicy:
        names = set()
        if host.strip("[]") in WILDCARDS:
            for name in (socket.gethostname(), socket.getfqdn()):
                if name:
                    names.update({name.lower(), f"{name.lower()}.local"})
        return cls(host=host, token=token, extra_names=frozenset(names))

    def allows_host(self, name: str) -> bool:
        bound = self.host.strip("[]").lower()
        if name in LOOPBACK_NAMES or is_loopback(name) or name == bound or name in self.extra_names:
            return True
        return bound in WILDCARDS and _is_ip(name)

    def token_matches(self, candidates: Iterable[str | None]) -> bool:
        assert self.token is not None
        expected = self.token.encode()
        return any(candidate is not None and hmac.compare_digest(candidate.encode(), expected) for candidate in candidates)


class Guard:
    """ASGI middleware enforcing an `AccessPolicy` before the app sees a request."""

    def __init__(self, app: Any, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        api = scope["path"].startswith("/api/")
        problem = self._refusal(scope, headers)
        if problem is not None:
            status, message = problem
            await _refuse(send, status, message, api)
            return
        if self.policy.token is not None:
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            given = [value for key, value in query if key == "token"]
            from_url = bool(given) and self.policy.token_matches(given[-1:])
            if from_url and scope["method"] == "GET":
                # Once from the URL, then from a cookie; the token leaves the address bar.
                rest = urlencode([(key, value) for key, value in query if key != "token"])
                await _redirect_with_cookie(send, quote(scope["path"]) + (f"?{rest}" if rest else ""), self.policy.token)
                return
            bearer = headers.get("authorization", "")
            bearer = bearer[7:].strip() if bearer.lower().startswith("bearer ") else None
            if not from_url and not self.policy.token_matches([_cookie(headers, TOKEN_COOKIE), bearer]):
                await _refuse(send, 401, "this quizzer server needs its token: open the URL that `quizzer serve` "
                                         "printed (…?token=…), or send `Authorization: Bearer TOKEN`", api)
                return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if not scope["path"].startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: dict[str, Any], headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if not host or not self.policy.allows_host(host_name(host)):
            return 403, f"this server does not answer to the host {host_name(host)[:100]!r}"
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return 403, "requests from another site are refused"
        navigation = scope["method"] == "GET" and headers.get("sec-fetch-mode") == "navigate"
        if headers.get("sec-fetch-site") == "cross-site" and not navigation:
            return 403, "requests from another site are refused"
        return None


def _cookie(headers: dict[str, str], name: str) -> str | None:
    try:
        morsel = SimpleCookie(headers.get("cookie", "")).get(name)
    except CookieError:
        return None
    return morsel.value if morsel is not None else None


async def _refuse(send: Any, status: int, message: str, api: bool) -> None:
    if api:
        body = json.dumps({"error": message, "hint": None, "status": status}).encode()
        content_type = b"application/json"
    else:
        from html import escape

        body = (f"<!doctype html><meta charset=utf-8><title>quizzer: {status}</title>"
                f"<h1>quizzer</h1><p>{escape(message)}</p>").encode()
        content_type = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send: Any, location: str, token: str) -> None:
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1", "replace")), (b"set-cookie", cookie.encode()),
                            (b"content-length", b"0"), (b"cache-control", b"no-store"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": b""})
