"""The app the benchmarks serve: Flashcall plus a baseline endpoint doing one SQLAlchemy INSERT on
the same stack (gunicorn, Flask, Flask-SQLAlchemy, the database). Lives here, not in the product.

    gunicorn bench.baseline:app
"""
from flask import Blueprint, g, has_request_context, jsonify
from sqlalchemy import event

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


# Every answer says how many SQL statements its request sent (X-Statements), for the bench's report.
# The baseline itself sends two: the INSERT, and the SELECT of its id after the commit.
@app.before_request
def _count_from_zero():
    g.bench_statements = 0


def _count(_conn, _cursor, statement, *_args):
    # SQLite's BEGIN is a statement we send; PostgreSQL's driver sends its own unseen: count neither.
    if has_request_context() and not statement.startswith("BEGIN"):
        g.bench_statements = g.get("bench_statements", 0) + 1


@app.after_request
def _report(response):
    response.headers["X-Statements"] = str(g.get("bench_statements", 0))
    return response


with app.app_context():
    event.listen(db.engine, "before_cursor_execute", _count)
