"""sealed webhook and two-factor secrets

Services' webhook signing secrets and users' two-factor (TOTP) secrets were stored in plain text;
they move to *_sealed columns, sealed (Fernet) with the installation's secrets key like gateway
secrets, in this transaction. Downgrading opens them again (and fails if this key cannot).

Revision ID: 8564c672870c
Revises: cb5828466f03
Create Date: 2026-11-30 19:50:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from flashcall import sealing


# revision identifiers, used by Alembic.
revision = '8564c672870c'
down_revision = 'cb5828466f03'
branch_labels = None
depends_on = None

# (table, plain column and its type, sealed column)
MOVES = (
    ("service", "webhook_secret", sa.String(length=100), "webhook_secret_sealed"),
    ("user", "totp_secret", sa.String(length=64), "totp_secret_sealed"),
)


def _copy(table, source, target, change):
    """Every non-empty `source` value of `table`, changed, into `target`."""
    rows = sa.table(table, sa.column("id"), sa.column(source), sa.column(target))
    bind = op.get_bind()
    found = bind.execute(sa.select(rows.c.id, rows.c[source]).where(rows.c[source].is_not(None))).all()
    for row_id, value in found:
        bind.execute(rows.update().where(rows.c.id == row_id).values({target: change(value)}))


def upgrade():
    key = current_app.config["SECRETS_KEY"]
    for table, plain, _type, sealed in MOVES:
        op.add_column(table, sa.Column(sealed, sa.Text(), nullable=True))
        _copy(table, plain, sealed, lambda text: sealing.seal(key, text))
        op.drop_column(table, plain)  # SQLite ≥ 3.35 drops it in place: no table rebuild


def downgrade():
    key = current_app.config["SECRETS_KEY"]
    for table, plain, plain_type, sealed in MOVES:
        op.add_column(table, sa.Column(plain, plain_type, nullable=True))
        _copy(table, sealed, plain, lambda token: sealing.unseal(key, token))
        op.drop_column(table, sealed)
