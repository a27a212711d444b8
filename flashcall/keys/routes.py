"""Access key pages: create (the key is shown once) and revoke."""
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import provisioning
from ..extensions import db
from ..models import AccessKey, Service
from ..scoping import get_owned_or_404, requires
from . import bp
from .forms import KeyForm


@requires("develop")
def new(service_id):
    service = get_owned_or_404(Service, service_id)
    form = KeyForm()
    if form.validate_on_submit():
        key, token = provisioning.create_key(service, form.label.data)
        db.session.commit()
        # Rendered, not redirected: the full key exists only in this response, which nothing may cache.
        response = make_response(render_template("keys/created.html", service=service, key=key, token=token))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("keys/new.html", service=service, form=form)


# A key belongs to a service, so its creation page lives under /services/<id>/keys/new,
# outside this blueprint's /keys prefix; the endpoint keeps the blueprint's name.
bp.record_once(lambda state: state.app.add_url_rule(
    "/services/<int:service_id>/keys/new", "keys.new", new, methods=["GET", "POST"]))


@bp.post("/<int:key_id>/revoke")
@requires("develop")
def revoke(key_id):
    key = get_owned_or_404(AccessKey, key_id)
    provisioning.revoke_key(key)
    db.session.commit()
    flash(_("The key “%(label)s” was revoked; requests with it are refused.", label=key.label), "success")
    return redirect(url_for("services.detail", service_id=key.service_id))
