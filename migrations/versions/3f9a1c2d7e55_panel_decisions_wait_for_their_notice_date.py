"""Panel decisions wait for their notice date: panel_decisions.applied_at

Revision ID: 3f9a1c2d7e55
Revises: c6b6989a5c19
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '3f9a1c2d7e55'
down_revision = 'c6b6989a5c19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applied_at', portal.timeutil.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_panel_decisions_applied_at'), ['applied_at'], unique=False)
    # Every decision recorded before this change went to the ledger when it was made.
    op.execute("UPDATE panel_decisions SET applied_at = decided_at")


def downgrade():
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decisions_applied_at'))
        batch_op.drop_column('applied_at')
