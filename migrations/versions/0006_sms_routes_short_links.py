"""SMS routes: each message's provider, type and Alimtalk options; short personal links

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa

import coordinator.models.types


# revision identifiers, used by Alembic. The integrator chains the parallel 0005..00xx.
revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('short_links',
    sa.Column('token', sa.String(length=16), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=True),
    sa.Column('link_version', sa.Integer(), nullable=False),
    sa.Column('created_at', coordinator.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', coordinator.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['missions.id'], name=op.f('fk_short_links_mission_id_missions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_short_links_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_short_links'))
    )
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_short_links_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_short_links_volunteer_id'), ['volunteer_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('message_type', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('provider_options', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('provider_options')
        batch_op.drop_column('message_type')
        batch_op.drop_column('route')

    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_short_links_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_short_links_expires_at'))

    op.drop_table('short_links')
