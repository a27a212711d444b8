"""User pages: list, add, change role, deactivate and re-activate. Owners only."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import accounts
from ...db import db
from ...models import User
from ..scoping import get_owned_or_404, owned, requires
from ..trail import audited
from . import bp
from .forms import ROLE_CHOICES, RoleForm, UserForm


def _operator_choice(form):
    """Only operators may grant or remove the operator flag; for others it is left as it is."""
    return form.is_operator.data if current_user.is_operator else None


@bp.get("/")
@requires("manage")
def index():
    users = db.session.scalars(owned(User).order_by(User.id)).all()
    return render_template("users/index.html", users=users, role_choices=ROLE_CHOICES)


@bp.route("/new", methods=["GET", "POST"])
@requires("manage")
def new():
    form = UserForm()
    if form.validate_on_submit():
        if _email_taken(form.email.data):
            form.email.errors.append(_("A user with this email already exists."))
        else:
            user = accounts.create_user(current_user.account, form.email.data, form.password.data,
                                            form.role.data, operator=bool(_operator_choice(form)))
            audited("user.created", user.email, role=user.role, operator=user.is_operator)
            db.session.commit()
            flash(_("%(email)s can now sign in.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("users/new.html", form=form)


def _email_taken(email):
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


@bp.post("/<int:user_id>/role")
@requires("manage")
def role(user_id):
    user = get_owned_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "danger")
    else:
        _apply(accounts.change_role, user, form.role.data, operator=_operator_choice(form),
               done=_("The role of %(email)s was changed.", email=user.email), action="user.role_changed")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/deactivate")
@requires("manage")
def deactivate(user_id):
    user = get_owned_or_404(User, user_id)
    _apply(accounts.set_user_active, user, False, done=_("%(email)s can no longer sign in.", email=user.email),
           action="user.deactivated")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/activate")
@requires("manage")
def activate(user_id):
    user = get_owned_or_404(User, user_id)
    _apply(accounts.set_user_active, user, True, done=_("%(email)s can sign in again.", email=user.email),
           action="user.activated")
    return redirect(url_for("users.index"))


def _apply(change, user, *args, done, action, **kwargs):
    try:
        change(user, *args, **kwargs)
    except accounts.LastOwnerError:
        db.session.rollback()
        flash(_("The account needs at least one active owner. Make someone else an owner first."), "danger")
        return
    audited(action, user.email, role=user.role, operator=user.is_operator, active=user.active)
    db.session.commit()
    flash(done, "success")
