"""Security headers on every response the server sends.

HTML pages get a Content-Security-Policy that allows scripts from this server only: no inline script
runs except the few fixed ones in Datasette's own templates (closing open menus, the SQL editor, the
table's facet switch), allowed by their SHA-256 hashes, read from the installed Datasette's templates so
they follow its version. Styles may be inline (Datasette writes ``style`` attributes and per-table CSS).
Every response gets ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import datasette
import jinja2

REFERRER_POLICY = "no-referrer"  # as Datasette sets it on its own views
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def inline_script_hashes(allow_facet: bool) -> list[str]:
    """CSP hash sources of every attribute-less inline ``<script>`` in Datasette's templates, as rendered."""
    facet_switch = "true" if allow_facet else "false"  # the one template variable inside them (table.html)
    sources = set()
    for template in sorted((Path(datasette.__file__).parent / "templates").glob("*.html")):
        for body in _INLINE_SCRIPT.findall(template.read_text(encoding="utf-8")):
            script = jinja2.Template(body, keep_trailing_newline=True).render(datasette_allow_facet=facet_switch)
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            sources.add(f"'sha256-{digest}'")
    return sorted(sources)


def content_security_policy(allow_facet: bool) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *inline_script_hashes(allow_facet)]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def with_security_headers(app, datasette):
    """The ASGI app wrapped so that each response start carries the headers (a handler's own win)."""
    always = {b"x-content-type-options": b"nosniff", b"referrer-policy": REFERRER_POLICY.encode()}
    html_only = {b"content-security-policy": content_security_policy(datasette.setting("allow_facet")).encode()}

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(name).lower(): bytes(value) for name, value in headers}
                extra = dict(always)
                if present.get(b"content-type", b"").startswith(b"text/html"):
                    extra.update(html_only)
                headers += [[name, value] for name, value in extra.items() if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
