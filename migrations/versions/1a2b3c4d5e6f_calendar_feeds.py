"""Private calendar links (#12): a family's or a provider's, only the hash of each link's secret kept

Revision ID: 1a2b3c4d5e6f
Revises: e3a5b7c9d1f2
Create Date: 2026-12-05 11:30:00

"""
from alembic import op
import sqlalchemy as sa

from portal.timeutil import UTCDateTime


# revision identifiers, used by Alembic.
revision = '1a2b3c4d5e6f'
down_revision = 'e3a5b7c9d1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('family_id', sa.Integer(), nullable=True),
        sa.Column('provider_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=True),
        sa.Column('made_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('(family_id IS NULL) <> (provider_id IS NULL)', name=op.f('ck_calendar_links_one_owner')),
        sa.ForeignKeyConstraint(['family_id'], ['users.id'], name=op.f('fk_calendar_links_family_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_calendar_links_made_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['provider_id'], ['providers.id'],
                                name=op.f('fk_calendar_links_provider_id_providers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_links')),
        sa.UniqueConstraint('family_id', name=op.f('uq_calendar_links_family_id')),
        sa.UniqueConstraint('provider_id', name=op.f('uq_calendar_links_provider_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_links_token_hash')),
    )


def downgrade():
    op.drop_table('calendar_links')
