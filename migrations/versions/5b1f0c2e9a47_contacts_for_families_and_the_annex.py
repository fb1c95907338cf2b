"""The contacts the statement gives families, the statement's annex as a stored file of its own, and language codes
as long as pa-Arab

Revision ID: 5b1f0c2e9a47
Revises: 7d2d644d2996
Create Date: 2026-12-05 08:40:00

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '5b1f0c2e9a47'
down_revision = '7d2d644d2996'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_phone', sa.String(length=40), nullable=False),
    sa.Column('short_breaks_email', sa.String(length=200), nullable=False),
    sa.Column('sendiass_name', sa.String(length=200), nullable=False),
    sa.Column('sendiass_phone', sa.String(length=40), nullable=False),
    sa.Column('sendiass_email', sa.String(length=200), nullable=False),
    sa.Column('sendiass_website', sa.String(length=300), nullable=False),
    sa.Column('forum_name', sa.String(length=200), nullable=False),
    sa.Column('forum_email', sa.String(length=200), nullable=False),
    sa.Column('forum_website', sa.String(length=300), nullable=False),
    sa.Column('local_offer_url', sa.String(length=300), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_service_contacts_changed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_contacts'))
    )
    with op.batch_alter_table('statement_sections', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=5), type_=sa.String(length=16),
                              existing_nullable=False)
    with op.batch_alter_table('statement_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.Enum('STATEMENT', 'ANNEX', name='filepart', native_enum=False,
                                                      length=10), server_default='STATEMENT', nullable=False))
        batch_op.alter_column('language', existing_type=sa.String(length=5), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_constraint('uq_statement_files_statement_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_statement_files_statement_id'),
                                          ['statement_id', 'language', 'part'])


def downgrade():
    # Lossy: the annexes, and what is written in languages whose codes no longer fit.
    op.execute("DELETE FROM statement_files WHERE part = 'ANNEX' OR length(language) > 5")
    op.execute("DELETE FROM statement_sections WHERE length(language) > 5")
    with op.batch_alter_table('statement_files', schema=None) as batch_op:
        batch_op.drop_constraint('uq_statement_files_statement_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_statement_files_statement_id'), ['statement_id', 'language'])
        batch_op.alter_column('language', existing_type=sa.String(length=16), type_=sa.String(length=5),
                              existing_nullable=False)
        batch_op.drop_column('part')
    with op.batch_alter_table('statement_sections', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=16), type_=sa.String(length=5),
                              existing_nullable=False)
    op.drop_table('service_contacts')
