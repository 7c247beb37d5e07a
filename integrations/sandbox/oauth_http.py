"""OAuth 2.0 plumbing shared by the sandbox's identity servers (a provider's OAuth server and
the OpenID provider at /oidc): the consent and error pages, redirects back to the client, the
token endpoint's parameters and its RFC 6749 §5.2 errors, PKCE. Everything echoed into HTML is
escaped: `state`, the redirect URI and the scope come straight from whoever built the link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from integrations.sandbox.signing import b64url
from integrations.sandbox.wsgi import Request, Response, Router, StartResponse

HTML_HEADERS: Final = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
)
NO_STORE: Final = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))  # RFC 6749 §5.1
# Form fields the consent page adds itself; every other parameter rides along as hidden fields.
CONSENT_FIELDS: Final = ("account", "decision")
PKCE_VALUE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1
DENIED_DESCRIPTION: Final = "The resource owner or authorization server denied the request."


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer of the token endpoint."""

    def __init__(
        self, status: int, error: str, description: str, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.headers = list(headers)


def consent_page(
    *,
    site: str,
    heading: str,
    legend: str,
    action: str,
    params: Sequence[tuple[str, str]],
    accounts: Sequence[tuple[str, str]],
) -> Response:
    """The page of leg 1; `accounts` are (form value, label) pairs, the first one checked."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in params
        if name not in CONSENT_FIELDS
    )
    choices = "".join(
        f'<label><input type="radio" name="account" value="{escape(value)}"'
        f"{' checked' if index == 0 else ''}> {escape(label)}</label><br>"
        for index, (value, label) in enumerate(accounts)
    )
    named = dict(params)
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Authorize app - {escape(site)}</title></head><body>"
        f"<h1>{escape(heading)}</h1>"
        f"<p>The app <code>{escape(named.get('client_id', ''))}</code> asks for the scope "
        f"<code>{escape(named.get('scope', ''))}</code>. You will be sent back to "
        f"<code>{escape(named.get('redirect_uri', ''))}</code>.</p>"
        f"<form method='post' action='{escape(action)}'>{hidden}"
        f"<fieldset><legend>{escape(legend)}</legend>{choices}</fieldset>"
        "<button type='submit' name='decision' value='approve'>Approve</button> "
        "<button type='submit' name='decision' value='deny'>Deny</button>"
        "</form><p><small>Sandbox: synthetic accounts, no sign-in.</small></p></body></html>"
    )
    return Response(200, body.encode(), list(HTML_HEADERS))


def error_page(message: str, *, site: str) -> Response:
    """A 400 for the resource owner: used when redirecting to the client would be unsafe."""
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Invalid authorization request - {escape(site)}</title></head><body>"
        f"<h1>Invalid authorization request</h1><p>{escape(message)}</p></body></html>"
    )
    return Response(400, body.encode(), list(HTML_HEADERS))


def redirect(uri: str, params: Sequence[tuple[str, str]]) -> Response:
    """302 to `uri` with `params` added to any query it already has."""
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    location = urlunsplit(parts._replace(query=query))
    return Response(302, b"", [("Location", location), ("Cache-Control", "no-store")])


def error_redirect(uri: str, error: str, description: str, state: str | None) -> Response:
    answer = [("error", error), ("error_description", description)]
    return redirect(uri, answer if state is None else [*answer, ("state", state)])


def valid_redirect_uri(uri: str, registered: Sequence[str] | None) -> bool:
    """An absolute http(s) URI without a fragment; one of `registered` unless that is None."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or "#" in uri:
        return False
    return registered is None or uri in registered


def form_items(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def token_params(request: Request, *, realm: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The parameters, and the headers a 401 needs for the client authentication method used.

    Form body and query string together (some official samples send a query string).
    HTTP Basic client authentication (RFC 6749 §2.3.1) is accepted too, as OAuth libraries
    often default to it.
    """
    items = [*request.query_items, *form_items(request.body)]
    params = dict(items)
    if len(params) != len(items):
        raise OAuthError(400, "invalid_request", "Each parameter may be sent only once.")
    scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return params, []
    challenge = [("WWW-Authenticate", f'Basic realm="{realm}"')]
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError(401, "invalid_client", "Malformed Basic credentials.", challenge)
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if "client_secret" in params or params.get("client_id", client_id) != client_id:
        raise OAuthError(400, "invalid_request", "Use one client authentication method.")
    return {**params, "client_id": client_id, "client_secret": secret}, challenge


def secret_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", f"Missing required parameter: {name}.")
    return value


def invalid_grant(description: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", description)


def oauth_error(error: OAuthError, headers: Iterable[tuple[str, str]] = ()) -> Response:
    # RFC 6749 §5.2 JSON.
    payload = {"error": error.error, "error_description": error.description}
    return Response.json(error.status, payload, [*NO_STORE, *error.headers, *headers])


def pkce_matches(verifier: str, challenge: str) -> bool:
    if not PKCE_VALUE.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return hmac.compare_digest(b64url(digest), challenge)


def serve(
    router: Router, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    """One request to an OAuth or OpenID server: its route, or its errors as OAuth JSON (404
    for no endpoint, 405 with Allow for another method)."""
    request = Request.from_environ(environ)
    match = router.match(request.method, request.path)
    if match is None:
        response = oauth_error(OAuthError(404, "not_found", f"No endpoint at {request.path}"))
    elif match.handler is None:
        error = OAuthError(405, "invalid_request", "Method not allowed")
        response = oauth_error(error, [("Allow", ", ".join(sorted(match.allowed)))])
    else:
        response = match.handler(request)
    return response(start_response)
