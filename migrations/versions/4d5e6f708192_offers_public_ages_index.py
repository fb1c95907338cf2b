"""Counting the public offers by provider, status and ages from an index alone (#12: the feed at national scale)

Revision ID: 4d5e6f708192
Revises: 3c4d5e6f7081
Create Date: 2026-12-05 15:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4d5e6f708192'
down_revision = '3c4d5e6f7081'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_public_ages', ['provider_id', 'status', 'min_age', 'max_age'], unique=False)


def downgrade():
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_public_ages')
