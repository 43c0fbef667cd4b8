"""Response headers for a service exposed to the internet (issue 10, item 6).

Every response (API JSON, errors, probes, audio, the docs page) carries:

- ``X-Content-Type-Options: nosniff``: a browser never reinterprets JSON or WAV as HTML
  or script.
- ``Referrer-Policy: no-referrer``: API URLs carry ids, and nothing this service links to
  needs to know where a visitor came from, so no origin is sent either (``strict-origin…``
  would still leak the API's host to third parties for no benefit).
- Frame denial twice: ``X-Frame-Options: DENY`` for old browsers and CSP
  ``frame-ancestors 'none'`` for current ones.
- ``Content-Security-Policy``: ``default-src 'none'`` for everything but HTML pages, which
  get their own policy (the docs UI and the review desk: scripts, styles and images from
  this origin only). The review desk's pages send ``Referrer-Policy: same-origin``, so
  their own form posts carry the Referer that Flask-WTF's HTTPS CSRF check wants.
- ``Cache-Control: no-store``: JSON bodies and audio files hold contacts' names, e-mail
  addresses and voices, and once keys exist a shared cache must never replay one
  tenant's response to another. That includes audio: ``send_file`` would say
  ``public, max-age=3600``; conditional and range requests still work without a cache.
  Only the docs UI's static assets (public, identical for everyone) may be cached, and
  they are revalidated (``no-cache``) so an upgrade shows at once.

A small ``after_request`` hook rather than flask-talisman: talisman's defaults are for
HTML sites (it redirects plain HTTP to HTTPS, which breaks probes behind a TLS-terminating
proxy; per-view policies need decorating views flask-smorest owns), it sets no
``Cache-Control``, and its last release is from 2023.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, request

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def install_security_headers(
    app: Flask, *, page_policies: Mapping[str, str] | None = None,
    blueprint_policies: Mapping[str, str] | None = None,
    referrer_policies: Mapping[str, str] | None = None,
    blueprint_prefixes: Mapping[str, str] | None = None,
    cacheable_endpoints: frozenset[str] = frozenset(),
) -> None:
    """Add the headers above to every response, error responses included.

    ``page_policies`` maps an endpoint serving HTML to its Content-Security-Policy, and
    ``blueprint_policies`` a blueprint all of whose responses are pages (the review desk);
    ``referrer_policies`` gives such a blueprint another Referrer-Policy;
    ``blueprint_prefixes`` names the blueprint a URL prefix belongs to, for the responses to
    URLs under it that match no route (the desk's "not found" page is still a desk page);
    ``cacheable_endpoints`` serve public static files that may be cached (revalidated).
    """
    policies = dict(page_policies or {})
    section_policies = dict(blueprint_policies or {})
    referrers = dict(referrer_policies or {})
    prefixes = dict(blueprint_prefixes or {})

    def section_of(path: str) -> str:
        return next((blueprint for prefix, blueprint in prefixes.items()
                     if path == prefix or path.startswith(prefix + "/")), "")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in _ALWAYS.items():
            response.headers[name] = value
        endpoint = request.endpoint or ""
        blueprint = request.blueprint or section_of(request.path)
        response.headers["Content-Security-Policy"] = policies.get(
            endpoint, section_policies.get(blueprint, API_CSP))
        if blueprint in referrers:
            response.headers["Referrer-Policy"] = referrers[blueprint]
        if endpoint in cacheable_endpoints and response.status_code < 400:
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)  # send_file's, contradicting no-store
        return response
