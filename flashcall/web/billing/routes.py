"""Owner pages: balances and top-ups, the payment callback and receipt, the ledger and its CSV."""
import csv
import io

from flask import (Response, current_app, flash, redirect, render_template, request, stream_with_context,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ...billing import BillingError, ledger, payments, words
from ...billing.balances import account_money
from ...clock import iso
from ...db import db
from ...models import Payment, Service
from ...models.ledger import KINDS
from ...settings import Settings
from ..display import digits, jalali
from ..scoping import get_owned_or_404, owned, requires
from ..trail import client_address
from . import bp, money_input
from .forms import ManualTopUpForm, TopUpForm

bp.context_processor(words.context)


def _settings():
    return Settings.from_config(current_app.config)


def _services():
    return db.session.scalars(owned(Service).order_by(Service.id)).all()


def _forms(services, online=None, manual=None):
    choices = [(s.id, s.name) for s in services]
    online = online or TopUpForm(prefix="online")
    manual = manual or ManualTopUpForm(prefix="manual")
    for form in (online, manual):
        form.service_id.choices = choices
        if not form.is_submitted() and request.args.get("service_id", type=int):
            form.service_id.data = request.args.get("service_id", type=int)
    return online, manual


def _index(online=None, manual=None, status=200):
    services = _services()
    online, manual = _forms(services, online, manual)
    provider = payments.active_provider(_settings())
    return render_template(
        "billing/index.html", services=services, money=account_money(current_user.account_id),
        online=online, manual=manual, provider=provider, unit=money_input.unit(),
        recent=ledger.payments(current_user.account_id, limit=20)), status


@bp.get("/billing/")
@requires("view")
def index():
    return _index()


@bp.post("/billing/pay")
@requires("manage")
def pay():
    form = _forms(_services(), online=TopUpForm(prefix="online"))[0]
    amount = money_input.amount(form.amount) if form.validate_on_submit() else None
    if amount is None:
        return _index(online=form, status=400)
    service = get_owned_or_404(Service, form.service_id.data)
    try:
        _payment, url = payments.start_online(
            service, amount, current_user.id, _settings(),
            lambda payment_id: url_for(".returned", payment_id=payment_id, _external=True), ip=client_address())
    except BillingError as error:
        form.amount.errors.append(digits(error.message))
        return _index(online=form, status=400)
    return redirect(url, code=303)


@bp.get("/billing/payments/<int:payment_id>/return")
def returned(payment_id):
    """Where the provider sends the payer back. Verifies whether or not a session is present
    (the payment is credited once either way); the receipt itself needs the owner signed in."""
    try:
        payment = payments.complete_online(payment_id, request.args, _settings(), ip=client_address())
    except BillingError as error:  # no payment of ours: nothing changed
        return render_template("errors/error.html", status=404, message=error.message), 404
    if payment.status != "paid":
        code = payment.failure_code or ""
        message = BillingError("payment_canceled") if code == "NOK" else BillingError(
            "provider_unavailable" if payments._transient(code) else "payment_failed", provider_code=code)
        flash(digits(message.message), "danger")
        return redirect(url_for(".index"))
    flash(_("The payment was verified and the service's credit was increased."), "success")
    return redirect(url_for(".receipt", payment_id=payment.id))


@bp.get("/billing/payments/<int:payment_id>")
@requires("view")
def receipt(payment_id):
    payment = get_owned_or_404(Payment, payment_id)
    return render_template("billing/receipt.html", payment=payment)


@bp.post("/billing/manual")
@requires("manage")
def manual():
    form = _forms(_services(), manual=ManualTopUpForm(prefix="manual"))[1]
    amount = money_input.amount(form.amount) if form.validate_on_submit() else None
    transfer_date = None
    if form.transfer_date.data:
        try:
            transfer_date = money_input.jalali_date(form.transfer_date.data)
        except ValueError:
            form.transfer_date.errors.append(_("Enter the date as year/month/day, for example 1405/09/10."))
    if amount is None or form.transfer_date.errors:
        return _index(manual=form, status=400)
    service = get_owned_or_404(Service, form.service_id.data)
    try:
        payments.request_manual(service, amount, form.bank_reference.data, transfer_date, form.note.data,
                                current_user.id)
    except BillingError as error:
        field = form.bank_reference if error.code == "bank_reference_required" else form.amount
        field.errors.append(digits(error.message))
        return _index(manual=form, status=400)
    db.session.commit()
    flash(_("Your request was sent. An operator will check the transfer and add the credit."), "success")
    return redirect(url_for(".index"))


def _ledger_filters():
    """(filters for the domain, values to show, errors) from the query string."""
    args, errors = request.args, []
    filters = {"service_id": None, "kind": None, "start": None, "end": None}
    if args.get("service_id"):
        filters["service_id"] = get_owned_or_404(Service, args.get("service_id", type=int) or 0).id
    if args.get("kind"):
        if args["kind"] not in KINDS:
            errors.append(_("There is no entry kind “%(kind)s”.", kind=args["kind"][:20]))
        else:
            filters["kind"] = args["kind"]
    dates = []
    for name in ("from", "to"):
        if not args.get(name):
            dates.append(None)
            continue
        try:
            dates.append(money_input.jalali_date(args[name]))
        except ValueError:
            errors.append(_("Enter the date as year/month/day, for example 1405/09/10."))
            dates.append(None)
    if dates[0] and dates[1] and dates[0] > dates[1]:
        errors.append(_("The start date is after the end date."))
    elif dates[0] or dates[1]:
        lower, upper = money_input.day_bounds(dates[0] or dates[1], dates[1] or dates[0])
        filters["start"] = lower if dates[0] else None
        filters["end"] = upper if dates[1] else None
    return filters, errors


@bp.get("/billing/ledger")
@requires("view")
def ledger_page():
    filters, errors = _ledger_filters()
    if request.args.get("format") == "csv" and not errors:
        return _csv(filters)
    before = request.args.get("before", type=int)
    entries = [] if errors else ledger.entries(current_user.account_id, before_id=before, **filters)
    older = entries[-1].id if len(entries) == ledger.PAGE else None
    older_url = url_for(".ledger_page", **(request.args.to_dict() | {"before": older})) if older else None
    return render_template("billing/ledger.html", entries=entries, errors=errors, services=_services(),
                           kinds=KINDS, args=request.args, older_url=older_url), 400 if errors else 200


CSV_COLUMNS = ("id", "time_jalali", "time_utc", "service", "kind", "amount_rial", "balance_after_rial",
               "call_id", "payment_id", "user", "note")


def _csv(filters):
    headers = [_("Entry"), _("Time (Tehran)"), _("Time (UTC, ISO 8601)"), _("Service"), _("Kind"),
               _("Amount (Rial)"), _("Balance after (Rial)"), _("Call"), _("Payment"), _("By"), _("Note")]
    kinds = {kind: str(label) for kind, label in words.KIND.items()}
    account_id = current_user.account_id

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        yield "\ufeff" + buffer.getvalue()  # the BOM lets Excel read Persian
        for entry in ledger.stream(account_id, **filters):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([entry.id, jalali(entry.created_at, seconds=True, latin=True),
                             iso(entry.created_at), entry.service.name, kinds.get(entry.kind, entry.kind),
                             entry.amount, entry.balance_after, entry.call_id or "", entry.payment_id or "",
                             entry.user.email if entry.user else "", entry.note or ""])
            yield buffer.getvalue()
    response = Response(stream_with_context(rows()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=flashcall-ledger.csv"
    return response
