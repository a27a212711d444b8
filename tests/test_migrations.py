"""The schema is made only by migrations: upgrading a fresh database must give exactly the models."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from flashcall.factory import create_app
from flashcall.db import db

from .live.stack import ScratchPostgres


def _check(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask --app app db migrate`: {diff}"


def test_migrations_build_the_models_schema(tmp_path):
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if not pg_url:
        _check(f"sqlite:///{tmp_path / 'migrated.db'}")
        return
    scratch = ScratchPostgres(pg_url)
    try:
        _check(scratch.url.replace("postgresql://", "postgresql+psycopg://", 1))
    finally:
        scratch.drop()
