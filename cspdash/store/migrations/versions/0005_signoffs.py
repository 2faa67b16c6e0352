"""sign-off of an area's quarter, with its frozen snapshot

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'signoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('quarter_start', sa.Date(), nullable=False),
        sa.Column('signed_by', sa.String(length=200), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=False),
        sa.Column('data_as_at', sa.DateTime(), nullable=True),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_signoffs_area_quarter', 'signoffs', ['area_id', 'quarter_start'])


def downgrade() -> None:
    op.drop_index('ix_signoffs_area_quarter', table_name='signoffs')
    op.drop_table('signoffs')
