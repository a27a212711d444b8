"""Test page views: parse the form, call the same engine as the API, render one fragment (or the page)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import verification as engine
from ...accounts import authenticate_token
from ...clock import utcnow
from ...db import db
from ...digits import to_latin
from ...extensions import htmx
from ...models import Call, Service
from ...models.call import CODE_LIVE, FINAL, PENDING
from ...telephony import routing
from ...telephony.drivers import simulator
from ...verification.errors import VerificationError
from ..display import digits
from ..scoping import get_owned_or_404, owned, requires
from . import bp
from .forms import StartForm

# Engine errors that are about the phone number, shown under its field; the rest above the form.
PHONE_ERRORS = {"direction_not_allowed", "interval_limit", "daily_limit"}
# Errors that only repeat what the ended call's own notice says (one red alert, not two).
SAID_BY_THE_CALL = {"failed": {"invalid_code", "attempts_exhausted"}, "expired": {"code_expired"}}
VERIFIABLE = ("ringing",) + CODE_LIVE
INBOX_SIZE = 10


def seconds_left(call):
    return max(0, int((call.expires_at - utcnow()).total_seconds()))


def clock(seconds):
    """Seconds as m:ss in the page's digits (the countdown before the page's script takes over)."""
    return digits(f"{seconds // 60}:{seconds % 60:02d}")


bp.context_processor(lambda: dict(
    fingerprint=fingerprint, inbox_fingerprint=inbox_fingerprint, seconds_left=seconds_left,
    clock=clock, final_states=FINAL, verifiable_states=VERIFIABLE, was_retried=engine.was_retried))


@bp.after_request
def _vary(response):
    response.vary.add("HX-Request")  # the same URL answers a fragment to htmx and a page otherwise
    return response


@bp.get("/")
@requires("view")
def index():
    call = None
    if request.args.get("call_id") and current_user.can("develop"):
        call = get_owned_or_404(Call, request.args["call_id"])
    return render_template("testpage/index.html", **_workspace(_start_form(), call))


@bp.post("/calls")
@requires("develop")
def start():
    form = _start_form()
    call = _place(form) if form.validate_on_submit() else None
    if not htmx:
        if call is not None:
            return redirect(url_for(".index", call_id=call.id))
        return render_template("testpage/index.html", **_workspace(form, None))
    return render_template("testpage/_started.html", **_workspace(form, call))


@bp.get("/calls/<call_id>")
@requires("develop")
def status(call_id):
    call = _due_expiry(get_owned_or_404(Call, call_id))
    if not htmx:
        return redirect(url_for(".index", call_id=call.id))
    seen = request.args.get("seen", "")
    if seen == fingerprint(call):
        return "", 204  # nothing changed: htmx keeps the fragment
    shown = seen.partition(".")[0]
    return render_template("testpage/_call_update.html", call=call, phase_changed=phase(shown) != phase(call.status))


@bp.post("/calls/<call_id>/verify")
@requires("develop")
def verify(call_id):
    call = get_owned_or_404(Call, call_id)
    code = to_latin(request.form.get("code", "")).strip()
    if not code:
        return _card(call, error=_("Enter the digits at the end of the number that called."))
    try:
        call = engine.verify_call(call, code)
    except VerificationError as exc:  # the engine has committed or rolled back
        return _card(call, error=exc)
    return _card(call)


@bp.post("/calls/<call_id>/retry")
@requires("develop")
def retry(call_id):
    call = get_owned_or_404(Call, call_id)
    try:
        call = engine.retry_call(call, key=call.key, source="dashboard")
    except VerificationError as exc:  # the engine has committed or rolled back
        return _card(call, error=exc)
    return _card(call)


@bp.post("/calls/<call_id>/cancel")
@requires("develop")
def cancel(call_id):
    return _card(engine.cancel_call(get_owned_or_404(Call, call_id)))


@bp.get("/phone")
@requires("develop")
def phone():
    number = to_latin(request.args.get("phone", "")).strip()
    entries = inbox(number)
    if request.args.get("seen") == inbox_fingerprint(entries):
        return "", 204
    return render_template("testpage/_phone.html", phone=number, entries=entries)


def phase(status):
    """What the card shows besides the status: waiting for the phone to ring, a live code, or the end."""
    if status in FINAL:
        return "ended"
    return "live" if status in VERIFIABLE else "waiting"


def fingerprint(call):
    """What the status part shows depends only on these; polls that see them unchanged get 204."""
    return f"{call.status}.{call.attempts}"


def inbox_fingerprint(entries):
    """The newest entry and those still ringing: a new call or a ring that ended changes it."""
    if not entries:
        return "0"
    ringing = [str(entry.id) for entry, status in entries if status in PENDING]
    return ".".join([str(entries[0][0].id)] + ringing)


def error_text(exc):
    """An engine error as a sentence, with its waiting time or attempts left in the page's digits."""
    text = exc.message
    if exc.fields.get("retry_after"):
        text += " " + _("Try again in %(seconds)s seconds.", seconds=digits(exc.fields["retry_after"]))
    if exc.fields.get("attempts_left") is not None:
        text += " " + _("Attempts left: %(count)s.", count=digits(exc.fields["attempts_left"]))
    return text


def inbox(phone):
    """The simulator's calls to `phone` from the current account's calls, newest first, each with
    its call's status (a call still ringing is not yet a missed call)."""
    if not phone:
        return []
    entries = [entry for entry, _service in simulator.inbox(phone, current_user.account_id, INBOX_SIZE)]
    ids = {entry.call_id for entry in entries if entry.call_id}
    statuses = dict(db.session.execute(select(Call.id, Call.status).where(Call.id.in_(ids))).all()) if ids else {}
    return [(entry, statuses.get(entry.call_id, entry.outcome)) for entry in entries]


def _start_form():
    form = StartForm()
    services = db.session.scalars(owned(Service).order_by(Service.id)).all()
    form.service_id.choices = [(0, _("Choose a service"))] + [(s.id, s.name) for s in services]
    if not form.is_submitted():
        chosen = request.args.get("service_id", type=int)
        form.service_id.data = chosen or (services[0].id if len(services) == 1 else 0)
    return form


def _target(form):
    """(service, key) the form names, or (None, None) with the reason attached to its field."""
    token = to_latin(form.key.data or "").strip()
    if token:
        key = authenticate_token(token)
        if key is None or key.service.account_id != current_user.account_id:
            form.key.errors.append(_("This access key is not valid. Paste the whole key of one of your services, and check it is not revoked."))
            return None, None
        return key.service, key
    service = None
    if form.service_id.data:
        service = db.session.scalar(owned(Service).where(Service.id == form.service_id.data))
    if service is None:
        form.service_id.errors.append(_("Choose one of your services or paste an access key."))
    return service, None


def _place(form):
    service, key = _target(form)
    if service is None:
        return None
    try:
        return engine.start_call(service, to_latin(form.phone.data), key=key, source="dashboard")
    except VerificationError as exc:
        _attach(form, exc)
        return None


def _attach(form, exc):
    if exc.code in PHONE_ERRORS or (exc.code == "invalid_parameters" and exc.fields.get("field") == "phone"):
        form.phone.errors.append(error_text(exc))
    elif exc.code == "invalid_key":
        form.key.errors.append(error_text(exc))
    else:
        form.form_errors.append(error_text(exc))


def _workspace(form, call):
    service = call.service if call is not None else None
    simulated = service is not None and _uses_simulator(service)
    return {"form": form, "call": call, "phone": call.phone if simulated else None,
            "entries": inbox(call.phone) if simulated else []}


def _uses_simulator(service):
    gateway = routing.serving_gateway(service)
    return gateway is not None and gateway.kind == simulator.SimulatorDriver.kind


def _due_expiry(call):
    """Lets the engine expire a call whose code lifetime passed; a usual poll stays one query."""
    if call.status in CODE_LIVE and call.expires_at <= utcnow():
        return engine.find_call(call.service, call.id) or call
    return call


def _card(call, error=None):
    """The whole card after the person acted on it. `error` is a sentence or an engine error; one
    that only repeats what the ended call says is left out."""
    if isinstance(error, VerificationError):
        error = None if error.code in SAID_BY_THE_CALL.get(call.status, ()) else error_text(error)
    if not htmx:
        if error:
            flash(error, "danger")
        return redirect(url_for(".index", call_id=call.id))
    return render_template("testpage/_call.html", call=call, error=error)
