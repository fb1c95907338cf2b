"""The language of each account (pages and emails) and of each child's family, and whether an interpreter is needed

Revision ID: 10ee6843db97
Revises: 8d2e4b6a1c90
Create Date: 2026-12-05 04:50:44.485749

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '10ee6843db97'
down_revision = '8d2e4b6a1c90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_language', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('interpreter_needed', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_column('interpreter_needed')
        batch_op.drop_column('home_language')

