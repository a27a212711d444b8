"""Report views: parse the filter, ask flashcall.reports, render the page or the htmx fragment,
or stream the download."""
import shutil
import tempfile
from pathlib import Path

from flask import Response, abort, current_app, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from persiantools.jdatetime import JalaliDate

from ...clock import tehran_date, utcnow
from ...db import db
from ...extensions import htmx
from ...http.locale import text_direction
from ...models import Call
from ...reports import exports, filters, pages, summary
from ...reports.errors import ReportError
from ...reports.filters import Choice, Scope
from ...verification import states
from ..scoping import get_owned_or_404, requires
from . import bp

bp.context_processor(states.context)


def _filter(scope):
    """(criteria, choice, error): a foreign or unknown id answers 404; other bad input comes back
    as the error, with the filter as it was typed."""
    try:
        criteria, choice = filters.from_dashboard(scope, request.args, tehran_date(utcnow()))
        return criteria, choice, None
    except ReportError as error:
        if error.not_found:
            abort(404)
        return None, Choice.typed(request.args), error


def _fragment_or_page(fragment, template, status=200, push=None, **context):
    """The fragment for htmx requests that swap the results, else the whole page (Vary: HX-Request)."""
    partial = bool(htmx) and not htmx.history_restore_request
    response = Response(render_template(fragment if partial else template, partial=partial, **context), status)
    response.headers["Vary"] = "HX-Request"
    if partial and push:
        response.headers["HX-Push-Url"] = push
    return response


@bp.get("/")
@requires("view")
def index():
    scope = Scope.of_account(current_user.account_id)
    criteria, choice, error = _filter(scope)
    page = None
    if error is None:
        try:
            page = pages.page(criteria, current_app.config["SECRET_KEY"], request.args.get("cursor"))
        except ReportError as exc:
            error = exc
    query = choice.query()
    push = url_for(".index", **query, **({"cursor": request.args["cursor"]} if request.args.get("cursor") else {}))
    return _fragment_or_page("reports/_results.html", "reports/index.html", 400 if error else 200, push,
                             scope=scope, choice=choice, error=error, page=page, query=query,
                             filtered=bool(query))


@bp.get("/summary")
@requires("view")
def summary_fragment():
    scope = Scope.of_account(current_user.account_id)
    criteria, choice, error = _filter(scope)
    if error is not None:
        return render_template("reports/_summary.html", error=error), 400
    figures = summary.summarize(criteria, utcnow())
    return render_template("reports/_summary.html", summary=figures, scope=scope, choice=choice)


@bp.get("/calls/<call_id>")
@requires("view")
def call(call_id):
    return render_template("reports/call.html", call=get_owned_or_404(Call, call_id))


def _download_parts():
    """(criteria, cells, None) of an export, or (None, None, the page with its error as a 400)."""
    scope = Scope.of_account(current_user.account_id)
    criteria, choice, error = _filter(scope)
    if error is not None:
        page = render_template("reports/index.html", scope=scope, choice=choice, error=error, page=None,
                               query=choice.query(), filtered=True)
        return None, None, (page, 400)
    cells = exports.Cells(scope, {k: str(v) for k, v in states.STATUS.items()},
                          {k: str(v) for k, v in states.REASON.items()}, _("From the dashboard"))
    # The session's read transaction ends here: on SQLite it would hold the write lock while the file streams.
    db.session.rollback()
    return criteria, cells, None


def _attachment(extension):
    today = JalaliDate(tehran_date(utcnow())).strftime("%Y-%m-%d")
    return {"Content-Disposition": f'attachment; filename="flashcall-calls-{today}.{extension}"',
            "X-Accel-Buffering": "no", "Cache-Control": "no-store"}


@bp.get("/export.csv")
@requires("view")
def export_csv():
    criteria, cells, refused = _download_parts()
    if refused is not None:
        return refused
    chunks = exports.csv_chunks(criteria, cells, exports.HEADER)
    return Response(stream_with_context(chunks), mimetype="text/csv", headers=_attachment("csv"))


@bp.get("/export.xlsx")
@requires("view")
def export_xlsx():
    criteria, cells, refused = _download_parts()
    if refused is not None:
        return refused
    folder = Path(tempfile.mkdtemp(prefix="flashcall-export-"))
    try:
        path = folder / "calls.xlsx"
        exports.write_xlsx(criteria, cells, exports.HEADER, path, _("Calls"), right_to_left=text_direction() == "rtl")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    headers = _attachment("xlsx") | {"Content-Length": str(path.stat().st_size)}
    return Response(_file_chunks(path, folder), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _file_chunks(path, folder):
    """The file's bytes; the folder is removed once sent (or once the client has gone)."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(exports.CHUNK):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)
