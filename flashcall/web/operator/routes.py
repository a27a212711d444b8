"""Operator views: gateways (add, edit, disable, delete, number blocks, «test connection», health),
routing a service to a gateway and its fallback, and the simulator's inbox."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice
from sqlalchemy.orm import joinedload

from ...clock import utcnow
from ...db import db
from ...digits import to_latin
from ...models import Gateway, NumberBlock, Service
from ...settings import Settings
from ...telephony import gateways
from ...telephony.drivers import simulator
from ...verification import VerificationError
from ...verification.phones import normalise
from ..display import digits
from ..scoping import operator_required
from . import bp
from .forms import BlockForm, GatewayForm, RouteForm

INBOX_PAGE = 100


def _settings():
    return Settings.from_config(current_app.config)


def _gateway_or_404(gateway_id):
    gateway = db.session.get(Gateway, gateway_id)
    if gateway is None or gateway.deleted_at is not None:
        abort(404)
    return gateway


@bp.get("/")
@operator_required
def index():
    shown = gateways.visible_gateways()
    services = db.session.scalars(select(Service).options(joinedload(Service.account))
                                  .order_by(Service.id)).all()
    return render_template("operator/index.html", gateways=shown, services=services,
                           health=gateways.health_summary([g.id for g in shown], utcnow()),
                           block_form=BlockForm())


def _save(form, work):
    """Run work() and commit; a GatewaySetupError goes to its field (or the form). True when saved."""
    try:
        work()
    except gateways.GatewaySetupError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field != "block" else getattr(form, "blocks", None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(error.message)]
        else:
            form.form_errors.append(str(error.message))
        return False
    db.session.commit()
    return True


@bp.route("/gateways/new", methods=["GET", "POST"])
@operator_required
def new_gateway():
    form = GatewayForm(kind=request.args.get("kind", "sip"))
    if form.validate_on_submit() and _save(form, lambda: gateways.create_gateway(
            form.values(), _settings(), blocks=form.blocks_typed())):
        flash(_("The gateway was added."), "success")
        return redirect(url_for(".index"))
    return render_template("operator/gateway_form.html", form=form, gateway=None)


@bp.route("/gateways/<int:gateway_id>/edit", methods=["GET", "POST"])
@operator_required
def edit_gateway(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    form = GatewayForm(obj=gateway)
    form.kind.data = gateway.kind
    if request.method == "GET":
        form.secret.data = ""
    if form.validate_on_submit() and _save(form, lambda: gateways.update_gateway(
            gateway, form.values(), _settings())):
        flash(_("The gateway was saved."), "success")
        return redirect(url_for(".index"))
    return render_template("operator/gateway_form.html", form=form, gateway=gateway)


@bp.post("/gateways/<int:gateway_id>/active")
@operator_required
def toggle_gateway(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    gateways.set_active(gateway, not gateway.active)
    db.session.commit()
    flash(_("The gateway was enabled.") if gateway.active else _("The gateway was disabled."), "success")
    return redirect(url_for(".index"))


@bp.post("/gateways/<int:gateway_id>/delete")
@operator_required
def delete_gateway(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    try:
        gateways.delete_gateway(gateway, utcnow())
    except gateways.GatewaySetupError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("The gateway was deleted."), "success")
    return redirect(url_for(".index"))


@bp.post("/gateways/<int:gateway_id>/test")
@operator_required
def test_gateway(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    result = gateways.probe(gateway, _settings())
    if result.ok:
        flash(_("%(name)s answered in %(ms)s ms: %(detail)s", name=gateway.name,
                ms=_digits(result.rtt_ms), detail=result.detail), "success")
    else:
        flash(_("%(name)s did not answer: %(detail)s", name=gateway.name, detail=result.detail), "danger")
    return redirect(url_for(".index"))


def _digits(number):
    return digits(f"{number:g}")


@bp.post("/gateways/<int:gateway_id>/blocks")
@operator_required
def add_block(gateway_id):
    gateway = _gateway_or_404(gateway_id)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            gateways.add_block(gateway, form.block.data)
        except gateways.GatewaySetupError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            db.session.commit()
            flash(_("The caller numbers were added."), "success")
    return redirect(url_for(".index"))


@bp.post("/blocks/<int:block_id>/delete")
@operator_required
def delete_block(block_id):
    block = db.session.get(NumberBlock, block_id)
    if block is None:
        abort(404)
    gateways.remove_block(block)
    db.session.commit()
    flash(_("The caller numbers were removed."), "success")
    return redirect(url_for(".index"))


@bp.route("/services/<int:service_id>/route", methods=["GET", "POST"])
@operator_required
def route_service(service_id):
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    form = RouteForm(gateway=service.gateway_id or 0, fallback=service.fallback_gateway_id or 0)
    choices = [SelectChoice(g.id, g.name) for g in gateways.visible_gateways()]
    form.gateway.choices = choices
    form.fallback.choices = [SelectChoice(0, _("No fallback"))] + choices
    if form.validate_on_submit() and _save(form, lambda: gateways.route_service(
            service, form.gateway.data, form.fallback.data or None)):
        flash(_("The service's calls now go through the chosen gateway."), "success")
        return redirect(url_for(".index"))
    return render_template("operator/route.html", form=form, service=service)


@bp.get("/inbox")
@operator_required
def inbox():
    phone = to_latin(request.args.get("phone", "")).strip()
    rows = simulator.inbox(_e164(phone), limit=INBOX_PAGE) if phone else simulator.inbox(limit=INBOX_PAGE)
    return render_template("operator/inbox.html", phone=phone, rows=rows)


def _e164(phone):
    """The number as stored (0912…, +98912…, 98912… all match); one that cannot be a number matches nothing."""
    try:
        return normalise(phone)
    except VerificationError:
        return ""
