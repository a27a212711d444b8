"""The overview page: calls per day over 30 days, rates, today against yesterday, top services and
the services failing in the last hour."""
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...clock import tehran_midnight, utcnow
from ...db import db
from ...models import Service
from ...telephony import gateways
from ...reports.filters import Scope
from ...reports.overview import overview
from ...verification import states
from ..display import jalali
from ..scoping import requires
from . import bp


@bp.get("/")
@requires("view")
def index():
    scope = Scope.of_account(current_user.account_id)
    figures = overview(scope, utcnow())
    services = db.session.scalars(db.select(Service).where(Service.account_id == current_user.account_id)
                                  .order_by(Service.id)).all()
    return render_template("dashboard/index.html", overview=figures, scope=scope, chart=_chart(figures),
                           reason_labels=states.REASON, outages=gateways.outages(services))


def _chart(figures):
    """What the chart draws, read by static/js/overview.js from the canvas's data attribute."""
    return {
        "labels": [jalali(tehran_midnight(day), with_time=False)[5:] for day, _figures in figures.days],
        "series": [
            {"label": _("Calls"), "values": [f.calls for _day, f in figures.days]},
            {"label": _("Delivered"), "values": [f.delivered for _day, f in figures.days]},
            {"label": _("Verified"), "values": [f.verified for _day, f in figures.days]},
        ],
    }
