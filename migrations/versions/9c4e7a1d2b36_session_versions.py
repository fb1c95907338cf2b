"""A session version on each account: raising it ends every session (sign-out, a new password, a suspension)

Revision ID: 9c4e7a1d2b36
Revises: 5b1f0c2e9a47
Create Date: 2026-12-05 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e7a1d2b36'
down_revision = '5b1f0c2e9a47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
