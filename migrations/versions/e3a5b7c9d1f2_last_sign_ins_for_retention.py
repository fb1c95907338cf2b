"""When each account last signed in, for the retention task (privacy/)

Revision ID: e3a5b7c9d1f2
Revises: d2f4a6b8c0e1
Create Date: 2026-12-05 11:40:00

"""
from alembic import op
import sqlalchemy as sa

from portal.timeutil import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e3a5b7c9d1f2'
down_revision = 'd2f4a6b8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_signed_in_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_signed_in_at')
