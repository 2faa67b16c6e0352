"""not applicable kept apart from suppressed; targets confirmed or indicative

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('observations') as batch:
        batch.add_column(sa.Column('not_applicable', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('targets') as batch:
        # targets already set were set by an admin: confirmed
        batch.add_column(sa.Column('confirmed', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('targets') as batch:
        batch.drop_column('confirmed')
    with op.batch_alter_table('observations') as batch:
        batch.drop_column('not_applicable')
