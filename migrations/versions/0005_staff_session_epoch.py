"""staff session epoch: ending every session of a staff user at once

Revision ID: 0005
Revises: 3fb8c3f87b89
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "3fb8c3f87b89"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
