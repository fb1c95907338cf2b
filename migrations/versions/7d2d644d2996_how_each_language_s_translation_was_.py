"""How each language's translation was made and whether a qualified translator has checked it

Revision ID: 7d2d644d2996
Revises: 10ee6843db97
Create Date: 2026-12-05 04:58:49.992933

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '7d2d644d2996'
down_revision = '10ee6843db97'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('translation_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('how_made', sa.Enum('MACHINE', 'TRANSLATOR', 'COMMUNITY', name='howmade', native_enum=False, length=20), nullable=False),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_translation_reviews_changed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_reviews')),
    sa.UniqueConstraint('language', name=op.f('uq_translation_reviews_language'))
    )


def downgrade():
    op.drop_table('translation_reviews')
