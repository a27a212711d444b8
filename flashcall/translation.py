"""Lazy translation markers for text defined at import time (the domain's only tie to Flask-Babel)."""
from flask_babel import lazy_gettext

lazy = lazy_gettext
