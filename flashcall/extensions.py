"""The web tier's Flask extensions, created unbound; create_app() binds them.

The database session is not here but in `flashcall.db`: the domain imports that, never this.
"""
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from .http import rate_limit_storage  # noqa: F401  (registers the thread-safe memory:// storage)

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
talisman = Talisman()
compress = Compress()  # gzip/brotli/zstd for pages and static files, as the browser accepts
limiter = Limiter(key_func=get_remote_address, default_limits=[])
