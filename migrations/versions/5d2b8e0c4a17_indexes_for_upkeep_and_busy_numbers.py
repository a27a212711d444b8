"""indexes for expiry and for the caller numbers ringing now

With a large call table and the planner's statistics (ANALYZE), two frequent queries read every call:
the worker's expiry pass (live statuses past their lifetime, every second, holding SQLite's write lock)
and a new call's look-up of which drawn caller numbers are ringing on its gateway (every POST /calls),
which searched the gateway's whole history through ix_call_gateway_id. Each gets an index that answers
it; ix_call_gateway_id goes (gateway_id still leads ix_call_gateway_ended and the new one).

Revision ID: 5d2b8e0c4a17
Revises: 3f1c0a7d9b21
Create Date: 2026-12-01 09:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2b8e0c4a17'
down_revision = '3f1c0a7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_call_status_expires", "call", ["status", "expires_at"])
    op.create_index("ix_call_gateway_pending", "call", ["gateway_id", "status", "caller_number"])
    op.drop_index("ix_call_gateway_id", table_name="call")


def downgrade():
    op.create_index("ix_call_gateway_id", "call", ["gateway_id"])
    op.drop_index("ix_call_gateway_pending", table_name="call")
    op.drop_index("ix_call_status_expires", table_name="call")
