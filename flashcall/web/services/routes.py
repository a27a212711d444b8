"""Service pages: list, create, detail, edit, suspend and activate."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ... import accounts
from ...billing import admin as billing_admin
from ...clock import tehran_day_start
from ...db import db
from ...models import Call, Service
from ...telephony import routing
from ..scoping import get_owned_or_404, owned, requires
from ..trail import audited
from . import bp
from .forms import NAME_TAKEN, ServiceForm


@bp.get("/")
@requires("view")
def index():
    services = db.session.scalars(owned(Service).order_by(Service.id)).all()
    return render_template("services/index.html", services=services)


@bp.route("/new", methods=["GET", "POST"])
@requires("develop")
def new():
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            service = accounts.create_service(current_user.account, price_per_call=billing_admin.default_price(),
                                              secrets_key=current_app.config["SECRETS_KEY"], **form.settings())
        except accounts.DuplicateNameError:  # made by someone else since the form was checked
            form.name.errors.append(NAME_TAKEN)
        else:
            audited("service.created", service.name, service_id=service.id)
            db.session.commit()
            flash(_("Service “%(name)s” was created. Now create an access key for it.", name=service.name), "success")
            return redirect(url_for("services.detail", service_id=service.id))
    return render_template("services/new.html", form=form)



@bp.get("/<int:service_id>")
@requires("view")
def detail(service_id):
    service = get_owned_or_404(Service, service_id)
    today = db.session.scalar(select(func.count(Call.id)).where(
        Call.service_id == service.id, Call.created_at >= tehran_day_start()))
    return render_template("services/detail.html", service=service, calls_today=today,
                           gateway=routing.serving_gateway(service))


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@requires("develop")
def edit(service_id):
    service = get_owned_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    form.editing_id = service.id
    if form.validate_on_submit():
        before = {field: getattr(service, field) for field in accounts.SERVICE_EDITABLE}
        try:
            accounts.update_service(service, **form.settings())
        except accounts.DuplicateNameError:  # made by someone else since the form was checked
            form.name.errors.append(NAME_TAKEN)
        else:
            _audit_changes(service, before)
            db.session.commit()
            flash(_("The service's settings were saved."), "success")
            return redirect(url_for("services.detail", service_id=service.id))
    return render_template("services/edit.html", form=form, service=service)


@bp.post("/<int:service_id>/suspend")
@requires("develop")
def suspend(service_id):
    return _set_status(service_id, "suspended", _("The service was suspended; its calls are refused."))


@bp.post("/<int:service_id>/activate")
@requires("develop")
def activate(service_id):
    return _set_status(service_id, "active", _("The service is active again."))


def _audit_changes(service, before):
    """One entry for the settings that changed, and its own for the webhook URL."""
    changed = {field: [before[field], getattr(service, field)] for field in before
               if before[field] != getattr(service, field) and field != "webhook_url"}
    if changed:
        audited("service.settings_changed", service.name, service_id=service.id, changes=changed)
    if before["webhook_url"] != service.webhook_url:
        audited("webhook.url_changed", service.name, service_id=service.id,
                changes={"webhook_url": [before["webhook_url"], service.webhook_url]})


def _set_status(service_id, status, message):
    service = get_owned_or_404(Service, service_id)
    accounts.set_service_status(service, status)
    audited("service.suspended" if status == "suspended" else "service.activated", service.name,
            service_id=service.id)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("services.detail", service_id=service.id))
