"""The app the benchmarks serve: Flashcall plus a baseline endpoint doing one SQLAlchemy INSERT on
the same stack (gunicorn, Flask, Flask-SQLAlchemy, the database). Lives here, not in the product.

    gunicorn bench.baseline:app
"""
from flask import Blueprint, jsonify

from flashcall.db import db
from flashcall.extensions import csrf
from flashcall.factory import create_app
from flashcall.models import AuditEntry

bp = Blueprint("benchmark", __name__)
csrf.exempt(bp)


@bp.post("/api/_bench/insert")
def insert():
    row = AuditEntry(action="bench.baseline", ip="127.0.0.1")
    db.session.add(row)
    db.session.commit()
    return jsonify(status="ok", id=row.id), 201


app = create_app()
app.register_blueprint(bp)
