"""An approved provider's new public name waits for approval

Revision ID: 8d2e4b6a1c90
Revises: 3f9a1c2d7e55
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2e4b6a1c90'
down_revision = '3f9a1c2d7e55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_name', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('pending_name')
