"""the partnership's registers (horizon scanning, risks, meetings, agenda, decisions) and their
links; an action's start date; e-mails sent and unsubscriptions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:40:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "register_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(length=30), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("subgroup_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["register_items.id"]),
        sa.ForeignKeyConstraint(["subgroup_id"], ["subgroups.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_register_items_register", "register_items", ["register"])
    op.create_table(
        "register_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["register_items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "target", "target_id", name="uq_register_links"),
    )
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("start_date", sa.Date(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", "kind", name="uq_unsubscribes"),
    )


def downgrade() -> None:
    op.drop_table("unsubscribes")
    op.drop_table("notifications")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("start_date")
    op.drop_table("register_links")
    op.drop_index("ix_register_items_register", table_name="register_items")
    op.drop_table("register_items")
