"""Access key pages: create (the key is shown once) and revoke."""
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from ... import accounts
from ...db import db
from ...models import AccessKey, Service
from ..scoping import get_owned_or_404, requires
from ..trail import audited
from . import bp
from .forms import KeyForm


@bp.route("/services/<int:service_id>/keys/new", methods=["GET", "POST"])
@requires("develop")
def new(service_id):
    service = get_owned_or_404(Service, service_id)
    form = KeyForm()
    if form.validate_on_submit():
        key, token = accounts.create_key(service, form.label.data)
        audited("key.created", key.public_id, service_id=service.id, label=key.label)
        db.session.commit()
        # Rendered, not redirected: the full key exists only in this response, which nothing may cache.
        response = make_response(render_template("keys/created.html", service=service, key=key, token=token))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("keys/new.html", service=service, form=form)


@bp.post("/keys/<int:key_id>/revoke")
@requires("develop")
def revoke(key_id):
    key = get_owned_or_404(AccessKey, key_id)
    accounts.revoke_key(key)
    audited("key.revoked", key.public_id, service_id=key.service_id, label=key.label)
    db.session.commit()
    flash(_("The key “%(label)s” was revoked; requests with it are refused.", label=key.label), "success")
    return redirect(url_for("services.detail", service_id=key.service_id))
