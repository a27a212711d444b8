"""The schema is made only by migrations: upgrading a fresh database must give exactly the models."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from flashcall.factory import create_app
from flashcall.db import db
from flashcall.sealing import unseal

from .live.stack import ScratchPostgres


def _check(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask --app app db migrate`: {diff}"


def _on_each_database(tmp_path, check):
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if not pg_url:
        check(f"sqlite:///{tmp_path / 'migrated.db'}")
        return
    scratch = ScratchPostgres(pg_url)
    try:
        check(scratch.url.replace("postgresql://", "postgresql+psycopg://", 1))
    finally:
        scratch.drop()


def test_migrations_build_the_models_schema(tmp_path):
    _on_each_database(tmp_path, _check)


PLAIN_WEBHOOK = "whsec_plain-secret-from-before"
PLAIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SEALED_AT = "8564c672870c"


def _seals_and_opens(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    key = app.config["SECRETS_KEY"]
    with app.app_context():
        upgrade(revision="cb5828466f03")
        db.session.execute(text(
            "INSERT INTO account (id, name, credit_limit, created_at) VALUES (1, 'Shop', 0, CURRENT_TIMESTAMP)"))
        db.session.execute(text(
            'INSERT INTO "user" (id, account_id, email, password_hash, role, is_operator, active, created_at,'
            " totp_secret) VALUES (1, 1, 'a@example.com', 'x', 'owner', false, true, CURRENT_TIMESTAMP, :totp)"),
            {"totp": PLAIN_TOTP})
        db.session.execute(text(
            "INSERT INTO service (id, account_id, name, code_length, code_lifetime_minutes, max_attempts,"
            " min_interval_seconds, daily_limit, allowed_countries, mobile_only, status, price_per_call, created_at,"
            " webhook_secret) VALUES (1, 1, 'S', 4, 2, 3, 120, 10, 'IR', true, 'active', 0, CURRENT_TIMESTAMP, :hook)"),
            {"hook": PLAIN_WEBHOOK})
        db.session.commit()
        upgrade(revision=SEALED_AT)
        hook = db.session.scalar(text("SELECT webhook_secret_sealed FROM service"))
        totp = db.session.scalar(text('SELECT totp_secret_sealed FROM "user"'))
        db.session.commit()
        assert PLAIN_WEBHOOK not in hook and PLAIN_TOTP not in totp
        assert unseal(key, hook) == PLAIN_WEBHOOK and unseal(key, totp) == PLAIN_TOTP
        downgrade(revision="cb5828466f03")
        assert db.session.scalar(text("SELECT webhook_secret FROM service")) == PLAIN_WEBHOOK
        assert db.session.scalar(text('SELECT totp_secret FROM "user"')) == PLAIN_TOTP
        db.session.commit()
        db.engine.dispose()


def test_secrets_are_sealed_in_place_by_the_upgrade_and_opened_by_the_downgrade(tmp_path):
    _on_each_database(tmp_path, _seals_and_opens)


def _answers_backfilled(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision=SEALED_AT)
        db.session.execute(text(
            "INSERT INTO account (id, name, credit_limit, created_at) VALUES (1, 'Shop', 0, CURRENT_TIMESTAMP)"))
        db.session.execute(text(
            "INSERT INTO service (id, account_id, name, code_length, code_lifetime_minutes, max_attempts,"
            " min_interval_seconds, daily_limit, allowed_countries, mobile_only, status, price_per_call, created_at)"
            " VALUES (1, 1, 'S', 4, 2, 3, 120, 10, 'IR', true, 'active', 0, CURRENT_TIMESTAMP)"))
        for call_id, kinds in (("answered", ("ringing", "answered", "expired")), ("rang", ("ringing", "delivered"))):
            db.session.execute(text(
                "INSERT INTO call (id, service_id, phone, caller_number, code_length, status, attempts, source,"
                " created_at, expires_at, cost, reserved) VALUES (:id, 1, '+989121234567', '+982191000123', 4,"
                " 'expired', 0, 'api', '2026-11-30 10:00:00', '2026-11-30 10:02:00', 0, 0)"), {"id": call_id})
            for second, kind in enumerate(kinds):
                db.session.execute(text("INSERT INTO call_event (call_id, kind, at) VALUES (:id, :kind, :at)"),
                                   {"id": call_id, "kind": kind, "at": f"2026-11-30 10:00:0{second + 1}"})
        db.session.commit()
        upgrade()
        found = dict(db.session.execute(text("SELECT id, answered_at FROM call")).all())
        db.session.commit()
        assert str(found["answered"])[:19] == "2026-11-30 10:00:02" and found["rang"] is None
        downgrade(revision=SEALED_AT)
        db.session.commit()
        db.engine.dispose()


def test_calls_answered_before_the_column_get_its_time_from_their_timeline(tmp_path):
    _on_each_database(tmp_path, _answers_backfilled)
