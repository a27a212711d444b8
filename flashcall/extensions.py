"""Flask extensions, created unbound; create_app() binds them."""
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from . import rate_limit_storage  # noqa: F401  (registers the thread-safe memory:// storage)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def on_postgresql():
    """Whether the session's database is PostgreSQL (else SQLite), for the few statements that differ."""
    return db.session.get_bind().dialect.name == "postgresql"
