"""the shared LLM response cache; llm_calls text columns without a length

`llm_cache` moves the response cache from each worker's data directory into the database,
so every worker replays an answer any of them paid for (per tenant). The `llm_calls` text
columns lose their lengths: they are `reportgen.ledger.CallRecord`'s fields, which the CLI's
SQLite file stores unbounded too, and a long section id must not fail a job's ledger write.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 17:34:50.466511
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# column: its length before this revision
_LENGTHS = {"run_id": 64, "section_id": 200, "model": 200, "mode": 32, "cache_key": 128}
_NULLABLE = {"section_id", "cache_key"}


def upgrade() -> None:
    op.create_table(
        "llm_cache",
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key"),
    )
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        for name, length in _LENGTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=length),
                type_=sqlmodel.sql.sqltypes.AutoString(),
                existing_nullable=name in _NULLABLE,
            )


def downgrade() -> None:
    with op.batch_alter_table("llm_calls", schema=None) as batch_op:
        for name, length in _LENGTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sqlmodel.sql.sqltypes.AutoString(),
                type_=sqlmodel.sql.sqltypes.AutoString(length=length),
                existing_nullable=name in _NULLABLE,
            )
    op.drop_table("llm_cache")
