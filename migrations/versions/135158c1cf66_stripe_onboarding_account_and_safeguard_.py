"""Stripe onboarding account and safeguard re-verification warnings

A provider's Stripe connected account while its onboarding is unfinished, and the day each safeguard check's
re-verification warning was sent.

Revision ID: 135158c1cf66
Revises: 55cb7a38e5ff
Create Date: 2026-12-06 08:02:24.152712

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '135158c1cf66'
down_revision = '55cb7a38e5ff'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE rather than batch mode: SQLite's triggers on providers (the search index) would stop a
    # batch copy of the table.
    op.add_column('providers', sa.Column('stripe_onboarding_account_id', sa.String(length=64), nullable=True))
    op.add_column('safeguard_checks', sa.Column('reverify_warned_on', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('safeguard_checks', 'reverify_warned_on')
    op.drop_column('providers', 'stripe_onboarding_account_id')
