"""The operators' money page: manual top-up approvals, account limits, service prices, signed
adjustments and the platform's money settings. Every action records who did it."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...billing import BillingError, admin, ledger, payments, words
from ...billing.providers import configured
from ...db import db
from ...models import Account, Service
from ...settings import Settings
from ..display import digits
from ..scoping import operator_required
from ..trail import client_address
from . import bp, money_input
from .forms import AdjustForm, LimitForm, PlatformForm, PriceForm, RejectForm


def _platform_form(form=None):
    form = form or PlatformForm(prefix="platform")
    form.payment_provider.choices = [(name, str(label)) for name, label in words.PROVIDER.items()]
    if not form.is_submitted():
        form.default_price.data = digits(money_input.in_unit(admin.default_price()))
        form.topup_max.data = digits(money_input.in_unit(admin.topup_max()))
        form.payment_provider.data = admin.setting("payment_provider")
    return form


def _page(adjust=None, platform=None, status=200):
    accounts = db.session.scalars(select(Account).options(selectinload(Account.services)).order_by(Account.id)).all()
    adjust = adjust or AdjustForm(prefix="adjust")
    adjust.service_id.choices = [(s.id, f"{a.name} · {s.name}") for a in accounts for s in a.services]
    return render_template(
        "billing/operator.html", accounts=accounts, pending=ledger.payments(status="pending", method="manual", limit=200),
        adjust=adjust, platform=_platform_form(platform), limit_form=LimitForm(), price_form=PriceForm(),
        reject_form=RejectForm(), unit=money_input.unit(),
        configured=[str(words.PROVIDER[name]) for name in configured(Settings.from_config(current_app.config))]), status


@bp.get("/billing/operator/")
@operator_required
def operator_index():
    return _page()


@bp.post("/billing/operator/payments/<int:payment_id>/approve")
@operator_required
def approve(payment_id):
    try:
        payment = payments.approve(payment_id, current_user.id, ip=client_address())
    except BillingError as error:
        flash(error.message, "warning")
    else:
        flash(_("Approved: the credit of “%(service)s” was increased.", service=payment.service.name), "success")
    return redirect(url_for(".operator_index"))


@bp.post("/billing/operator/payments/<int:payment_id>/reject")
@operator_required
def reject(payment_id):
    form = RejectForm()
    try:
        payments.reject(payment_id, current_user.id, form.reason.data if form.validate_on_submit() else "",
                        ip=client_address())
    except BillingError as error:
        flash(error.message, "warning")
    else:
        flash(_("The request was rejected; the customer sees your reason."), "success")
    return redirect(url_for(".operator_index"))


@bp.post("/billing/operator/adjust")
@operator_required
def adjust():
    form = AdjustForm(prefix="adjust")
    _page_choices(form)
    amount = money_input.signed(form.amount) if form.validate_on_submit() else None
    if amount is None:
        return _page(adjust=form, status=400)
    service = db.session.get(Service, form.service_id.data)
    try:
        entry = admin.adjust(service, amount, form.reason.data, user_id=current_user.id, ip=client_address())
    except BillingError as error:
        form.reason.errors.append(error.message)
        return _page(adjust=form, status=400)
    db.session.commit()
    flash(_("Adjusted “%(service)s”: its credit is now %(credit)s Rial.", service=service.name,
            credit=digits(f"{entry['balance_after']:,}")), "success")
    return redirect(url_for(".operator_index"))


def _page_choices(form):
    form.service_id.choices = [(s.id, s.name) for s in db.session.scalars(select(Service))]


@bp.post("/billing/operator/accounts/<int:account_id>/limit")
@operator_required
def set_limit(account_id):
    account = db.session.get(Account, account_id)
    form = LimitForm()
    limit = money_input.signed(form.limit, allow_zero=True) if account is not None and form.validate_on_submit() else None
    if account is None:
        return redirect(url_for(".operator_index"))
    if limit is not None:
        limit = -abs(limit)  # typed as "500000" or "-500000": a limit is always below zero
        admin.set_limit(account, limit, user_id=current_user.id, ip=client_address())
        db.session.commit()
        flash(_("The limit of “%(account)s” is now %(limit)s.", account=account.name,
                limit=digits(f"{money_input.in_unit(limit):,}")), "success")
    else:
        flash(" ".join(form.limit.errors), "danger")
    return redirect(url_for(".operator_index"))


@bp.post("/billing/operator/services/<int:service_id>/price")
@operator_required
def set_price(service_id):
    service = db.session.get(Service, service_id)
    form = PriceForm()
    price = money_input.signed(form.price, allow_zero=True) if service is not None and form.validate_on_submit() else None
    if service is None:
        return redirect(url_for(".operator_index"))
    try:
        if price is None:
            raise BillingError("amount_invalid")
        admin.set_price(service, price, user_id=current_user.id, ip=client_address())
    except BillingError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The price of “%(service)s” was changed.", service=service.name), "success")
    return redirect(url_for(".operator_index"))


@bp.post("/billing/operator/settings")
@operator_required
def platform_settings():
    form = _platform_form(PlatformForm(prefix="platform"))
    price = money_input.signed(form.default_price, allow_zero=True) if form.validate_on_submit() else None
    maximum = money_input.amount(form.topup_max) if price is not None else None
    if price is None or maximum is None:
        return _page(platform=form, status=400)
    try:
        admin.set_default_price(price, user_id=current_user.id, ip=client_address())
    except BillingError as error:
        form.default_price.errors.append(error.message)
        return _page(platform=form, status=400)
    admin.set_setting("topup_max", maximum)
    admin.set_setting("payment_provider", form.payment_provider.data)
    db.session.commit()
    flash(_("The money settings were saved."), "success")
    return redirect(url_for(".operator_index"))
