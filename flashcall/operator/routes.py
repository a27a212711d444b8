"""Operator views, read-only: gateways with their number blocks, and the simulator's inbox."""
import re

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..digits import to_latin
from ..extensions import db
from ..models import Call, Gateway, Service, SimInboxEntry
from ..scoping import operator_required
from . import bp

INBOX_PAGE = 100


@bp.get("/")
@operator_required
def index():
    gateways = db.session.scalars(select(Gateway).options(selectinload(Gateway.blocks)).order_by(Gateway.id)).all()
    return render_template("operator/index.html", gateways=gateways)


@bp.get("/inbox")
@operator_required
def inbox():
    phone = to_latin(request.args.get("phone", "")).strip()
    rows = db.session.execute(_inbox_query(phone)).all()
    return render_template("operator/inbox.html", phone=phone, rows=rows)


def _inbox_query(phone):
    """Newest first; a phone typed as 0912…, +98912… or 98912… matches on its digits after the 0."""
    stmt = (select(SimInboxEntry, Service.name)
            .outerjoin(Call, SimInboxEntry.call_id == Call.id)
            .outerjoin(Service, Call.service_id == Service.id)
            .order_by(SimInboxEntry.id.desc()).limit(INBOX_PAGE))
    digits = re.sub(r"\D", "", phone).lstrip("0")
    if digits:
        stmt = stmt.where(SimInboxEntry.phone.endswith(digits[-10:]))
    return stmt
