"""Configuration from the environment, with defaults for a one-machine install."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("FLASHCALL_INSTANCE", ROOT / "instance"))


def secret_key():
    """SECRET_KEY from the environment, else generated once into instance/ (never in the repo)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
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
    SESSION_COOKIE_SECURE = os.environ.get("FLASHCALL_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "fa"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tehran"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("fa", "en")
    # Shown money unit: "toman" or "rial"; amounts are always stored in Rial.
    MONEY_UNIT = os.environ.get("FLASHCALL_MONEY_UNIT", "toman")
    # Request rate limits (Flask-Limiter); use redis://… when several web processes run.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    API_RATE_LIMIT_PER_KEY = os.environ.get("FLASHCALL_API_RATE_LIMIT_PER_KEY", "600/minute")
    API_RATE_LIMIT_PER_IP = os.environ.get("FLASHCALL_API_RATE_LIMIT_PER_IP", "1200/minute")
    # Sign-in throttling: this many failures for one email or address within the window.
    LOGIN_MAX_FAILURES = int(os.environ.get("FLASHCALL_LOGIN_MAX_FAILURES", "5"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("FLASHCALL_LOGIN_FAILURE_WINDOW", "900"))
    # The simulator gateway: seconds before the simulated phone rings, and rings for.
    SIM_RING_DELAY = float(os.environ.get("FLASHCALL_SIM_RING_DELAY", "1.0"))
    SIM_RING_SECONDS = float(os.environ.get("FLASHCALL_SIM_RING_SECONDS", "2.0"))
    # Dispatcher: how often it looks for work, and how long a claim lasts before recovery.
    DISPATCH_POLL_SECONDS = float(os.environ.get("FLASHCALL_DISPATCH_POLL", "0.05"))
    DISPATCH_LEASE_SECONDS = float(os.environ.get("FLASHCALL_DISPATCH_LEASE", "30"))
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
    # Retention: finished webhook deliveries are purged after this many days.
    WEBHOOK_RETENTION_DAYS = float(os.environ.get("FLASHCALL_WEBHOOK_RETENTION_DAYS", "30"))


def load(overrides=None):
    """Config as a dict: class defaults, then secrets and URLs, then overrides (tests)."""
    cfg = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg["SECRET_KEY"] = secret_key() if not (overrides or {}).get("SECRET_KEY") else None
    cfg["SQLALCHEMY_DATABASE_URI"] = _database_url()
    cfg.update(overrides or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return cfg
