"""Configuration from the environment, with defaults for a one-machine install."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from . import sealing

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("FLASHCALL_INSTANCE", ROOT / "instance"))


def _env(name, default):
    return os.environ.get(name, default)


def _flag(name, default="0"):
    return os.environ.get(name, default) == "1"


def ensure_instance():
    """The instance folder (SQLite file, generated secret, backups by default), readable by its owner only."""
    INSTANCE.mkdir(mode=0o700, parents=True, exist_ok=True)
    if INSTANCE.stat().st_uid == os.getuid():
        INSTANCE.chmod(0o700)
    return INSTANCE


def secret_key():
    """SECRET_KEY from the environment, else generated once into instance/ (never in the repo)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    if not path.exists():
        ensure_instance()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def secrets_key():
    """The key sealing stored secrets (gateway passwords, webhook and two-factor secrets):
    FLASHCALL_SECRETS_KEY, else generated once into instance/secrets_key. Losing it makes those
    secrets unreadable: back it up."""
    if os.environ.get("FLASHCALL_SECRETS_KEY"):
        return os.environ["FLASHCALL_SECRETS_KEY"]
    path = INSTANCE / "secrets_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(sealing.new_key())
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url():
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'flashcall.db'}")
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = None  # filled in by load()
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("FLASHCALL_SECURE_COOKIES")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=int(_env("FLASHCALL_REMEMBER_DAYS", "14")))
    # A session unused this long is refused by the server (the signed cookie carries its time).
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(_env("FLASHCALL_SESSION_IDLE_MINUTES", "60")))
    # How many reverse proxies (nginx …) stand in front: their X-Forwarded-For/-Proto are believed.
    TRUSTED_PROXIES = int(_env("FLASHCALL_TRUSTED_PROXIES", "0"))
    # Largest request body anywhere (the API's own limit, 16 KB, is smaller).
    MAX_CONTENT_LENGTH = int(_env("FLASHCALL_MAX_BODY_BYTES", str(1024 * 1024)))
    # Platform operators must set up two-factor sign-in before using the dashboard.
    REQUIRE_2FA = _flag("FLASHCALL_REQUIRE_2FA")
    # Webhook URLs may point at private addresses (loopback, LAN); the metadata range never.
    WEBHOOK_ALLOW_PRIVATE = _flag("FLASHCALL_WEBHOOK_ALLOW_PRIVATE")
    # The dashboard's public address, for links sent by email (never taken from a request's Host).
    BASE_URL = _env("FLASHCALL_BASE_URL", "").rstrip("/") or None
    PASSWORD_RESET_HOURS = int(_env("FLASHCALL_PASSWORD_RESET_HOURS", "24"))
    # Mail for password-reset links; without a host, operators hand out reset links themselves.
    SMTP_HOST = _env("FLASHCALL_SMTP_HOST", "") or None
    SMTP_PORT = int(_env("FLASHCALL_SMTP_PORT", "587"))
    SMTP_USER = _env("FLASHCALL_SMTP_USER", "") or None
    SMTP_PASSWORD = _env("FLASHCALL_SMTP_PASSWORD", "") or None
    SMTP_FROM = _env("FLASHCALL_SMTP_FROM", "flashcall@localhost")
    SMTP_STARTTLS = _flag("FLASHCALL_SMTP_STARTTLS", "1")
    # SQLite waits this long for the write lock: below gunicorn's 30 s worker timeout, so a
    # request under a held lock answers 503 instead of its worker being killed.
    SQLITE_BUSY_TIMEOUT_SECONDS = float(_env("FLASHCALL_SQLITE_BUSY_TIMEOUT", "10"))
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fa"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tehran"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("fa", "en")
    # Shown money unit: "toman" or "rial"; amounts are always stored in Rial.
    MONEY_UNIT = os.environ.get("FLASHCALL_MONEY_UNIT", "toman")
    # Request rate limits (Flask-Limiter); use redis://… when several web processes run.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Off: Flask-Limiter would overwrite our Retry-After and add one to every answer; 429s set their own.
    RATELIMIT_HEADERS_ENABLED = False
    API_RATE_LIMIT_PER_KEY = os.environ.get("FLASHCALL_API_RATE_LIMIT_PER_KEY", "600/minute")
    API_RATE_LIMIT_PER_IP = os.environ.get("FLASHCALL_API_RATE_LIMIT_PER_IP", "1200/minute")
    # Sign-in throttling: attempts per (email, address) pair within the window, and the slower
    # ceilings per email (from any address) and per address (for any email).
    LOGIN_MAX_FAILURES = int(os.environ.get("FLASHCALL_LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_EMAIL = int(_env("FLASHCALL_LOGIN_MAX_FAILURES_PER_EMAIL", "50"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(_env("FLASHCALL_LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("FLASHCALL_LOGIN_FAILURE_WINDOW", "900"))
    # The simulator gateway: seconds before the simulated phone rings, and rings for.
    SIM_RING_DELAY = float(os.environ.get("FLASHCALL_SIM_RING_DELAY", "1.0"))
    SIM_RING_SECONDS = float(os.environ.get("FLASHCALL_SIM_RING_SECONDS", "2.0"))
    # Dispatcher: how often it looks for work, and how long a claim lasts before recovery.
    DISPATCH_POLL_SECONDS = float(os.environ.get("FLASHCALL_DISPATCH_POLL", "0.05"))
    # Leases are renewed while a call is driven, so a short one only bounds how soon a dead
    # dispatcher's calls are recovered.
    DISPATCH_LEASE_SECONDS = float(os.environ.get("FLASHCALL_DISPATCH_LEASE", "6"))
    # Gateways and their number blocks are re-read at most this often per process.
    GATEWAY_CACHE_SECONDS = float(os.environ.get("FLASHCALL_GATEWAY_CACHE", "2"))
    # Access keys (with their service) are re-read at most this often per process (0: every request).
    KEY_CACHE_SECONDS = float(os.environ.get("FLASHCALL_KEY_CACHE", "2"))
    # PostgreSQL: after a NOTIFY wakes a dispatcher, it waits this long so a burst is claimed together.
    DISPATCH_GATHER_SECONDS = float(os.environ.get("FLASHCALL_DISPATCH_GATHER", "0.03"))
    # Calls one dispatcher drives at once (it claims no more until some finish).
    DISPATCH_MAX_INFLIGHT = int(os.environ.get("FLASHCALL_DISPATCH_MAX_INFLIGHT", "1000"))
    # Online top-ups: a provider is offered only when its merchant id is set.
    ZARINPAL_MERCHANT_ID = os.environ.get("FLASHCALL_ZARINPAL_MERCHANT_ID", "")
    ZARINPAL_BASE_URL = os.environ.get("FLASHCALL_ZARINPAL_BASE_URL", "https://payment.zarinpal.com")
    ZIBAL_MERCHANT = os.environ.get("FLASHCALL_ZIBAL_MERCHANT", "")
    ZIBAL_BASE_URL = os.environ.get("FLASHCALL_ZIBAL_BASE_URL", "https://gateway.zibal.ir")
    PAYMENT_TIMEOUT_SECONDS = float(os.environ.get("FLASHCALL_PAYMENT_TIMEOUT", "15"))
    PAYMENT_RECONCILE_SECONDS = float(os.environ.get("FLASHCALL_PAYMENT_RECONCILE", "300"))
    # The SIP driver's local address and UDP port (empty: the address that reaches the trunk; 0: any port).
    SIP_ADDRESS = os.environ.get("FLASHCALL_SIP_ADDRESS", "")
    SIP_PORT = int(os.environ.get("FLASHCALL_SIP_PORT", "0"))
    # Retention: finished webhook deliveries are purged after this many days.
    WEBHOOK_RETENTION_DAYS = float(os.environ.get("FLASHCALL_WEBHOOK_RETENTION_DAYS", "30"))


def load(overrides=None):
    """Config as a dict: class defaults, then secrets and URLs, then overrides (tests)."""
    cfg = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg["SECRET_KEY"] = secret_key() if not (overrides or {}).get("SECRET_KEY") else None
    cfg["SECRETS_KEY"] = secrets_key() if not (overrides or {}).get("SECRETS_KEY") else None
    cfg["SQLALCHEMY_DATABASE_URI"] = _database_url()
    cfg.update(overrides or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {
            "timeout": cfg["SQLITE_BUSY_TIMEOUT_SECONDS"], "check_same_thread": False}}
    return cfg
