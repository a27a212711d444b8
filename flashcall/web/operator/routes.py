"""Operator views, read-only: gateways with their number blocks, and the simulator's inbox."""
from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...db import db
from ...digits import to_latin
from ...models import Gateway
from ...telephony.drivers import simulator
from ...verification import VerificationError
from ...verification.phones import normalise
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
    rows = simulator.inbox(_e164(phone), limit=INBOX_PAGE) if phone else simulator.inbox(limit=INBOX_PAGE)
    return render_template("operator/inbox.html", phone=phone, rows=rows)


def _e164(phone):
    """The number as stored (0912…, +98912…, 98912… all match); one that cannot be a number matches nothing."""
    try:
        return normalise(phone)
    except VerificationError:
        return ""
