"""Gateways: SIP and AMI settings, sealed secret, health; a service's fallback gateway

Revision ID: f3ccf13a52da
Revises: dda4d8a389d7
Create Date: 2026-11-30 15:38:54.641086

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3ccf13a52da'
down_revision = 'dda4d8a389d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index('ix_call_gateway_ended', ['gateway_id', 'ended_at'], unique=False)

    with op.batch_alter_table('gateway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('port', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transport', sa.String(length=8), nullable=False, server_default='udp'))
        batch_op.add_column(sa.Column('username', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('secret_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('from_domain', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('context', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('ring_seconds', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('max_concurrent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('health', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('health_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('last_error_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fallback_gateway_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_service_fallback_gateway_id_gateway', 'gateway', ['fallback_gateway_id'], ['id'])



def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_constraint('fk_service_fallback_gateway_id_gateway', type_='foreignkey')
        batch_op.drop_column('fallback_gateway_id')

    with op.batch_alter_table('gateway', schema=None) as batch_op:
        batch_op.drop_column('last_error_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('health_since')
        batch_op.drop_column('health')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('version')
        batch_op.drop_column('max_concurrent')
        batch_op.drop_column('ring_seconds')
        batch_op.drop_column('context')
        batch_op.drop_column('channel')
        batch_op.drop_column('from_domain')
        batch_op.drop_column('secret_sealed')
        batch_op.drop_column('username')
        batch_op.drop_column('transport')
        batch_op.drop_column('port')
        batch_op.drop_column('host')

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_gateway_ended')

