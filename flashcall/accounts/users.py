"""Accounts and their users: creating them, roles, deactivation (never leaving an account ownerless)."""
from sqlalchemy import func, select

from ..db import db
from ..models import Account, User
from ..models.account import ROLES
from .errors import LastOwnerError, ProvisioningError


def create_account(name, owner_email, owner_password, operator=False):
    email = owner_email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise ProvisioningError(f"a user with email {email} already exists")
    if len(owner_password) < 8:
        raise ProvisioningError("the password must be at least 8 characters")
    account = Account(name=name)
    user = User(account=account, email=email, role="owner", is_operator=operator)
    user.set_password(owner_password)
    db.session.add_all([account, user])
    db.session.flush()
    return user


def create_user(account, email, password, role, operator=False):
    if role not in ROLES:
        raise ProvisioningError(f"unknown role {role}")
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise ProvisioningError(f"a user with email {email} already exists")
    user = User(account=account, email=email, role=role, is_operator=operator)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _other_active_owners(user):
    return db.session.scalar(select(func.count(User.id)).where(
        User.account_id == user.account_id, User.role == "owner", User.active.is_(True), User.id != user.id))


def change_role(user, role, operator=None):
    if role not in ROLES:
        raise ProvisioningError(f"unknown role {role}")
    if user.role == "owner" and role != "owner" and not _other_active_owners(user):
        raise LastOwnerError("an account needs at least one active owner")
    user.role = role
    if operator is not None:
        user.is_operator = operator


def set_user_active(user, active):
    if not active and user.role == "owner" and not _other_active_owners(user):
        raise LastOwnerError("an account needs at least one active owner")
    user.active = active
