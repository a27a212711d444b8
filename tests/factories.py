"""Small factories for tests (CTFd's gen_* style): each commits and returns what it made."""
import itertools

from flask import current_app

from flashcall import accounts
from flashcall.db import db

_seq = itertools.count(1)
PASSWORD = "correct-horse-42"


class Factory:
    def account(self, email=None, role="owner", operator=False, name=None):
        """A new account with one user; returns the user."""
        n = next(_seq)
        user = accounts.create_account(name or f"Account {n}", email or f"owner{n}@example.com",
                                           PASSWORD, operator=operator)
        user.role = role
        db.session.commit()
        return user

    def user(self, account, role="developer", email=None):
        user = accounts.create_user(account, email or f"user{next(_seq)}@example.com", PASSWORD, role)
        db.session.commit()
        return user

    def service(self, account=None, name=None, **fields):
        account = account or self.account().account
        service = accounts.create_service(account, name or f"Service {next(_seq)}",
                                          secrets_key=current_app.config["SECRETS_KEY"], **fields)
        db.session.commit()
        return service

    def key(self, service=None, label=None):
        """Returns (AccessKey, 'PUBLICID.SECRET')."""
        service = service or self.service()
        key, token = accounts.create_key(service, label or f"test key {next(_seq)}")
        db.session.commit()
        return key, token
