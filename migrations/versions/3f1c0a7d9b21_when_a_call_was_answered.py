"""when a call was answered

Reports count the calls the phone picked up. An answered call's status becomes expired or verified
later, so that was read from each call's timeline (an index probe per call counted: most of the
overview's time). The call keeps the moment in answered_at now; existing calls get it from their
timeline's first "answered" event, in this transaction.

Revision ID: 3f1c0a7d9b21
Revises: 8564c672870c
Create Date: 2026-12-01 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c0a7d9b21'
down_revision = '8564c672870c'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("call", sa.Column("answered_at", sa.DateTime(), nullable=True))
    call = sa.table("call", sa.column("id"), sa.column("answered_at"))
    event = sa.table("call_event", sa.column("call_id"), sa.column("kind"), sa.column("at"))
    answered = (event.c.call_id == call.c.id, event.c.kind == "answered")
    op.execute(call.update().where(sa.exists().where(*answered))
               .values(answered_at=sa.select(sa.func.min(event.c.at)).where(*answered).scalar_subquery()))


def downgrade():
    op.drop_column("call", "answered_at")  # SQLite ≥ 3.35 drops it in place
