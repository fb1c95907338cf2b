"""signs of unmet demand

Revision ID: 00a1d8c2a4b0
Revises: 135158c1cf66
Create Date: 2026-12-06 08:27:25.056303

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00a1d8c2a4b0'
down_revision = '135158c1cf66'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demand_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('SEARCH_EMPTY', 'FULL', 'REFUSED', 'FUNDING_EXHAUSTED', name='demandkind', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), server_default='', nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('tier', sa.String(length=16), server_default='', nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=True),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'], name=op.f('fk_demand_events_locality_id_localities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_demand_events_offer_id_offers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_events'))
    )
    with op.batch_alter_table('demand_events', schema=None) as batch_op:
        batch_op.create_index('ix_demand_events_kind_noted_on', ['kind', 'noted_on'], unique=False)


def downgrade():
    with op.batch_alter_table('demand_events', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_events_kind_noted_on')

    op.drop_table('demand_events')
