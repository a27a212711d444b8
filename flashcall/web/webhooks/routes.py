"""The service page's webhook fragment: URL, secret, rotation, recent deliveries and resending."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...clock import utcnow
from ...db import db
from ...extensions import htmx
from ...models import Service, WebhookDelivery
from ...accounts import new_webhook_secret, webhook_secret
from ...webhooks.sender import reason_text
from ..scoping import get_owned_or_404, requires
from ..trail import audited
from . import bp

RECENT = 20


def _fragment(service, notice=None):
    secret = webhook_secret(service, current_app.config["SECRETS_KEY"]) if current_user.can("develop") else None
    deliveries = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.service_id == service.id)
        .order_by(WebhookDelivery.id.desc()).limit(RECENT)).all()
    html = render_template("webhooks/_deliveries.html", service=service, deliveries=deliveries, notice=notice,
                           reason=reason_text, secret=secret)
    return html, 200, {"Vary": "HX-Request"}


def _after_change(service, notice):
    """htmx re-renders the fragment in place; a plain form post goes back to the service page."""
    if htmx:
        return _fragment(service, notice)
    flash(notice, "success")
    return redirect(url_for("services.detail", service_id=service.id))


@bp.get("/services/<int:service_id>/deliveries")
@requires("view")
def deliveries(service_id):
    return _fragment(get_owned_or_404(Service, service_id))


@bp.post("/services/<int:service_id>/rotate")
@requires("develop")
def rotate(service_id):
    service = get_owned_or_404(Service, service_id)
    new_webhook_secret(service, current_app.config["SECRETS_KEY"])
    audited("webhook.secret_rotated", service.name, service_id=service.id)
    db.session.commit()
    return _after_change(service, _("A new signing secret was made. Update your receiver with it."))


@bp.post("/deliveries/<int:delivery_id>/resend")
@requires("develop")
def resend(delivery_id):
    delivery = get_owned_or_404(WebhookDelivery, delivery_id)
    delivery.status, delivery.next_attempt_at, delivery.lease_expires_at = "pending", utcnow(), None
    db.session.commit()
    service = db.session.get(Service, delivery.service_id)
    return _after_change(service, _("The event will be sent again in a moment."))
