from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from ...clock import tehran_day_start
from ...db import db
from ...models import Call, Service
from ...telephony import gateways
from ..scoping import requires
from . import bp


@bp.get("/")
@requires("view")
def index():
    since = tehran_day_start()
    rows = db.session.execute(
        select(Call.status, func.count(Call.id))
        .join(Service, Call.service_id == Service.id)
        .where(Service.account_id == current_user.account_id, Call.created_at >= since)
        .group_by(Call.status)).all()
    counts = dict(rows)
    total = sum(counts.values())
    delivered = sum(counts.get(s, 0) for s in ("delivered", "answered", "verified", "expired"))
    verified = counts.get("verified", 0)
    stats = {
        "total": total,
        "delivered": delivered,
        "verified": verified,
        "delivery_rate": round(100 * delivered / total) if total else 0,
        "verification_rate": round(100 * verified / delivered) if delivered else 0,
    }
    services = db.session.scalars(select(Service).where(
        Service.account_id == current_user.account_id).order_by(Service.id)).all()
    return render_template("dashboard/index.html", stats=stats, services=services,
                           outages=gateways.outages(services))
