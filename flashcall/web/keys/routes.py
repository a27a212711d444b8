"""Access key pages: create (Post/Redirect/Get; the key is shown once, from the session) and revoke."""
from flask import flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ... import accounts
from ...db import db
from ...models import AccessKey, Service
from ..scoping import get_owned_or_404, requires
from ..trail import audited
from . import bp
from .forms import KeyForm

# The session entry that carries a new key from the POST to the page that shows it, once.
NEW_KEY = "new_key"


@bp.route("/services/<int:service_id>/keys/new", methods=["GET", "POST"])
@requires("develop")
def new(service_id):
    service = get_owned_or_404(Service, service_id)
    form = KeyForm()
    if form.validate_on_submit():
        try:
            key, token = accounts.create_key(service, form.label.data)
        except accounts.DuplicateNameError:
            form.label.errors.append(_("This service already has a key with this label. Choose another label, so the keys are not told apart by their ids alone."))
        else:
            audited("key.created", key.public_id, service_id=service.id, label=key.label)
            db.session.commit()
            session[NEW_KEY] = {"id": key.id, "token": token}
            return _no_store(redirect(url_for("keys.created", key_id=key.id)))
    return render_template("keys/new.html", service=service, form=form)


@bp.get("/keys/<int:key_id>/created")
@requires("develop")
def created(key_id):
    """The new key, shown once: the session entry is taken, so a reload shows how to get another."""
    key = get_owned_or_404(AccessKey, key_id)
    token = None
    if (session.get(NEW_KEY) or {}).get("id") == key.id:
        token = session.pop(NEW_KEY)["token"]
    return _no_store(make_response(render_template("keys/created.html", service=key.service, key=key, token=token)))


def _no_store(response):
    """Neither the page with the key nor the redirect carrying it (in the session cookie) may be cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/keys/<int:key_id>/revoke")
@requires("develop")
def revoke(key_id):
    key = get_owned_or_404(AccessKey, key_id)
    accounts.revoke_key(key)
    audited("key.revoked", key.public_id, service_id=key.service_id, label=key.label)
    db.session.commit()
    flash(_("The key “%(label)s” was revoked; requests with it are refused.", label=key.label), "success")
    return redirect(url_for("services.detail", service_id=key.service_id))
