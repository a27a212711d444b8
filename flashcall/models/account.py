"""Accounts (customer organisations), their users, sign-in throttle counters and password-reset links."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..db import db

ROLES = ("owner", "developer", "viewer")


class Account(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Money in Rial, stored (never summed on the hot path) and changed only by flashcall.billing:
    # the lowest total credit the account may reach (zero or negative: postpaid), the total of its
    # services' credit, and what calls in flight have reserved.
    credit_limit: Mapped[int] = mapped_column(BigInteger, default=0)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="account", order_by="User.id")
    services: Mapped[list["Service"]] = relationship(back_populates="account", order_by="Service.id")

    __table_args__ = (CheckConstraint("credit_limit <= 0", name="ck_account_credit_limit_not_positive"),)

    @property
    def available(self):
        """What new calls may still reserve before the limit (Rial)."""
        return self.balance - self.reserved - self.credit_limit


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="owner")
    is_operator: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's and remember cookie's user id: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    password_changed_at: Mapped[datetime | None]
    # Two-factor sign-in: the TOTP secret (base32, sealed like gateway secrets), on once confirmed;
    # the last time step used (a code is accepted once); recovery codes as SHA-256 hashes, one per
    # line, each used once.
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    recovery_codes: Mapped[str | None] = mapped_column(Text)

    account: Mapped[Account] = relationship(back_populates="users")

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    # What Flask-Login asks of a user object (written out so the model does not import it).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """What Flask-Login keeps in the session and the remember cookie: id and session version,
        so a cookie made before the version changed no longer signs anyone in."""
        return f"{self.id}:{self.session_version}"

    @property
    def two_factor(self):
        return self.totp_enabled_at is not None

    def can(self, action):
        """Role check: 'manage' (owner), 'develop' (owner, developer), 'view' (everyone)."""
        allowed = {"manage": ("owner",), "develop": ("owner", "developer"), "view": ROLES}
        return self.role in allowed[action]


class LoginThrottle(db.Model):
    """Sign-in attempts counted per key (an email and address pair, an email, an address) in a
    fixed window; one row per key, changed by one atomic upsert."""
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)


class PasswordReset(db.Model):
    """A one-time password-reset link: only the token's hash is stored."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
