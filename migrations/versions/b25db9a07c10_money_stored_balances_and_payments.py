"""money stored: balances and reservations, 64-bit Rial, payments, platform settings

Balances become stored columns (service.credit, account.balance, account.reserved) filled from the
ledger here; account.credit_limit becomes the lowest total allowed (zero or negative), so the old
"how far below zero" value changes sign. Money columns become 64-bit.

Revision ID: b25db9a07c10
Revises: a5f0d02bcc65
Create Date: 2026-11-30 15:38:33.212605

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b25db9a07c10'
down_revision = 'a5f0d02bcc65'
branch_labels = None
depends_on = None

ZERO = sa.text("0")


def _bigint(batch_op, column, nullable=False):
    batch_op.alter_column(column, existing_type=sa.INTEGER(), type_=sa.BigInteger(), existing_nullable=nullable)


def upgrade():
    op.create_table('platform_setting',
                    sa.Column('key', sa.String(length=40), nullable=False),
                    sa.Column('value', sa.String(length=200), nullable=False),
                    sa.PrimaryKeyConstraint('key'))

    op.execute("UPDATE account SET credit_limit = -credit_limit WHERE credit_limit > 0")
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance', sa.BigInteger(), nullable=False, server_default=ZERO))
        batch_op.add_column(sa.Column('reserved', sa.BigInteger(), nullable=False, server_default=ZERO))
        _bigint(batch_op, 'credit_limit')
        batch_op.create_check_constraint('ck_account_credit_limit_not_positive', 'credit_limit <= 0')

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved', sa.BigInteger(), nullable=False, server_default=ZERO))
        _bigint(batch_op, 'cost')

    op.execute("DELETE FROM ledger_entry WHERE service_id IS NULL")  # never written: every entry has a service
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('service_id', existing_type=sa.INTEGER(), nullable=False)
        _bigint(batch_op, 'amount')
        _bigint(batch_op, 'balance_after')
        batch_op.drop_index('ix_ledger_entry_account_id')
        batch_op.drop_index('ix_ledger_entry_service_id')
        batch_op.create_index('ix_ledger_account_id', ['account_id', 'id'], unique=False)
        batch_op.create_index('ix_ledger_service_id', ['service_id', 'id'], unique=False)
        batch_op.create_unique_constraint('uq_ledger_entry_payment_id', ['payment_id'])

    op.execute("DELETE FROM payment WHERE service_id IS NULL")  # no page ever made one
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('provider', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('ref_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('card_pan', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('failure_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('failure_message', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('transfer_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('service_id', existing_type=sa.INTEGER(), nullable=False)
        _bigint(batch_op, 'amount')
        batch_op.create_index('ix_payment_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_foreign_key('fk_payment_user_id_user', 'user', ['user_id'], ['id'])
        batch_op.create_foreign_key('fk_payment_reviewed_by_user', 'user', ['reviewed_by'], ['id'])

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit', sa.BigInteger(), nullable=False, server_default=ZERO))
        _bigint(batch_op, 'price_per_call')

    # The stored balances start as what the ledger sums to.
    op.execute("UPDATE service SET credit = COALESCE((SELECT SUM(amount) FROM ledger_entry "
               "WHERE ledger_entry.service_id = service.id), 0)")
    op.execute("UPDATE account SET balance = COALESCE((SELECT SUM(credit) FROM service "
               "WHERE service.account_id = account.id), 0)")


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.alter_column('price_per_call', existing_type=sa.BigInteger(), type_=sa.INTEGER(),
                              existing_nullable=False)
        batch_op.drop_column('credit')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_payment_reviewed_by_user', type_='foreignkey')
        batch_op.drop_constraint('fk_payment_user_id_user', type_='foreignkey')
        batch_op.drop_index('ix_payment_status_created')
        batch_op.alter_column('amount', existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=False)
        batch_op.alter_column('service_id', existing_type=sa.INTEGER(), nullable=True)
        for column in ('updated_at', 'reject_reason', 'reviewed_by', 'note', 'transfer_date', 'bank_reference',
                       'failure_message', 'failure_code', 'card_pan', 'ref_id', 'provider', 'user_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ledger_entry_payment_id', type_='unique')
        batch_op.drop_index('ix_ledger_service_id')
        batch_op.drop_index('ix_ledger_account_id')
        batch_op.create_index('ix_ledger_entry_service_id', ['service_id'], unique=False)
        batch_op.create_index('ix_ledger_entry_account_id', ['account_id'], unique=False)
        batch_op.alter_column('balance_after', existing_type=sa.BigInteger(), type_=sa.INTEGER(),
                              existing_nullable=False)
        batch_op.alter_column('amount', existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=False)
        batch_op.alter_column('service_id', existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.alter_column('cost', existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=False)
        batch_op.drop_column('reserved')

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_constraint('ck_account_credit_limit_not_positive', type_='check')
        batch_op.alter_column('credit_limit', existing_type=sa.BigInteger(), type_=sa.INTEGER(),
                              existing_nullable=False)
        batch_op.drop_column('reserved')
        batch_op.drop_column('balance')
    op.execute("UPDATE account SET credit_limit = -credit_limit")

    op.drop_table('platform_setting')
