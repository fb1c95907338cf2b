"""Booking sets (#12): sessions of a series booked in one go, sharing a group reference, with what was not booked

Revision ID: 3c4d5e6f7081
Revises: 2b3c4d5e6f70
Create Date: 2026-12-05 11:30:00

"""
from alembic import op
import sqlalchemy as sa
import portal.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '3c4d5e6f7081'
down_revision = '2b3c4d5e6f70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_ref', sa.String(length=36), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('take_what_has_places', sa.Boolean(), nullable=False),
    sa.Column('not_booked', sa.JSON(), nullable=False),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['users.id'], name=op.f('fk_booking_sets_family_id_users'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_booking_sets_offer_id_offers'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'],
                            name=op.f('fk_booking_sets_series_id_session_series'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_sets')),
    sa.UniqueConstraint('group_ref', name=op.f('uq_booking_sets_group_ref'))
    )
    with op.batch_alter_table('booking_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_sets_family_id'), ['family_id'], unique=False)


def downgrade():
    with op.batch_alter_table('booking_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_sets_family_id'))
    op.drop_table('booking_sets')
