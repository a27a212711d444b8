"""What every request and answer goes through for safety: the real client address behind trusted
proxies, security headers with a Content-Security-Policy, the body size limit, and refusing NUL
characters before they reach a page, a query or the database."""
from flask import abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from ..extensions import talisman
from .paths import is_json_face

# Scripts and styles only from our own files (htmx, Bootstrap, static/js): no inline script, no
# eval, no <style> element. Style *attributes* set at run time are allowed (style-src-attr): the
# vendored Jalali date picker positions its popup with them and htmx sets them while swapping the
# reports table; an attribute cannot run script. Bootstrap's CSS draws some controls with data:
# images. No form-action:
# an online top-up's form is answered by a redirect to the payment provider, which it would block.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}


class DatabaseInteger(IntegerConverter):
    """<int:…> in URLs: ids the database can hold (a 32-bit column); larger numbers are no page (404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def trust_proxies(app):
    """Behind FLASHCALL_TRUSTED_PROXIES reverse proxies, take the client's address and scheme from
    the X-Forwarded-For/-Proto entries those proxies added (and only those)."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values):
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_bad_input():
    """413 for a declared body over MAX_CONTENT_LENGTH before anything reads it; 400 for a NUL
    character in the path, the query or a form (PostgreSQL cannot store one in text), and for a
    JSON body sent to a page."""
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        abort(413)
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if is_json_face(request.path):
        return  # the JSON faces read and check their bodies themselves
    # Pages take forms, never JSON (Flask-WTF would otherwise fill form fields with numbers and lists).
    if request.is_json and request.content_length:
        abort(400)
    if request.mimetype in FORMS and _has_nul(request.form):
        abort(400)


def register(app):
    """Before any blueprint: URL rules take their converters when they are added."""
    app.url_map.converters["int"] = DatabaseInteger
    trust_proxies(app)
    secure = app.config.get("SESSION_COOKIE_SECURE", False)
    talisman.init_app(
        app,
        force_https=False,  # the proxy in front redirects; HSTS below keeps browsers on HTTPS
        strict_transport_security=secure,
        session_cookie_secure=secure,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        frame_options="DENY",
        content_security_policy=CSP,
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
    app.before_request(refuse_bad_input)
