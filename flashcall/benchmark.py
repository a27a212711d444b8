"""A baseline endpoint for bench/: one SQLAlchemy INSERT on the same stack. Off unless enabled."""
from flask import Blueprint, jsonify

from .extensions import csrf, db
from .models import LoginFailure

bp = Blueprint("benchmark", __name__)
csrf.exempt(bp)


@bp.post("/_bench/insert")
def insert():
    row = LoginFailure(email="bench@example.invalid", ip="127.0.0.1")
    db.session.add(row)
    db.session.commit()
    return jsonify(status="ok", id=row.id), 201


def register(app):
    if app.config.get("BENCH_ENDPOINT"):
        app.register_blueprint(bp)
