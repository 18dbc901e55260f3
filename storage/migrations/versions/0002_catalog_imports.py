"""Catalog imports: who imported which catalog version, when, and what it changed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("catalog_version", sa.String(length=64), nullable=False),
        sa.Column("previous_version", sa.String(length=64), nullable=True),
        sa.Column("device_count", sa.Integer(), nullable=False),
        sa.Column("devices_added", sa.Integer(), nullable=False),
        sa.Column("devices_changed", sa.Integer(), nullable=False),
        sa.Column("devices_removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_imports")),
    )
    with op.batch_alter_table("catalog_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_imports_catalog_version"), ["catalog_version"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_imports_imported_at"), ["imported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_imports_imported_at"))
        batch_op.drop_index(batch_op.f("ix_catalog_imports_catalog_version"))
    op.drop_table("catalog_imports")
