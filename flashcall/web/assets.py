"""Static files: URLs versioned by a hash of their content, cached by browsers for a year when the
version matches and revalidated otherwise (compression is Flask-Compress, bound in the factory)."""
import hashlib
import os

from flask import current_app, request, url_for

YEAR = 365 * 24 * 3600
_versions = {}  # filename -> (mtime, size, hash): a changed file gets a new hash without a restart


def version(filename):
    """The first ten hex digits of the file's SHA-256 ("" for a file that does not exist)."""
    path = os.path.join(current_app.static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    known = _versions.get(filename)
    if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
        with open(path, "rb") as handle:
            known = (stat.st_mtime_ns, stat.st_size, hashlib.sha256(handle.read()).hexdigest()[:10])
        _versions[filename] = known
    return known[2]


def static_url(filename):
    """url_for('static') with ?v=<content hash>, so a changed file is a new URL and an old one can be kept."""
    return url_for("static", filename=filename, v=version(filename) or None)


def cache_headers(response):
    """A year, immutable, for a static file asked for by its current version; otherwise revalidate
    each time (ETag and Last-Modified make that a 304), as fonts named inside CSS files are."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args["v"] == version(filename):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def register(app):
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(cache_headers)
