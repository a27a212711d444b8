"""Reports: the account's calls filtered and paged, their summary and breakdowns, a call's
timeline, and the CSV/XLSX downloads of exactly the filtered calls."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import routes  # noqa: E402,F401
