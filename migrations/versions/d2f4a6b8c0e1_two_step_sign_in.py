"""Two-step sign-in: an authenticator app's secret and last accepted step on each account, and recovery codes;
when each account's email address was confirmed (accounts made before this had theirs confirmed when made)

Revision ID: d2f4a6b8c0e1
Revises: 9c4e7a1d2b36
Create Date: 2026-12-05 11:10:00

"""
from alembic import op
import sqlalchemy as sa

from portal.timeutil import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd2f4a6b8c0e1'
down_revision = '9c4e7a1d2b36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('two_step_since', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_confirmed_at', UTCDateTime(), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=255), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
        batch_op.drop_column('two_step_since')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('totp_last_step')
