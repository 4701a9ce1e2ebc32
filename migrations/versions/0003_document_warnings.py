"""documents.warnings: a document's warnings beside its JSON, so listing never loads the JSON

`GET /v1/documents` read each row's whole `document` (text and every segment) to show its
warnings: +1.2 GB and 4.7 s for a 362-byte answer when one document was large. The
warnings now have a column of their own, filled here for the rows already stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warnings", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE documents SET warnings = (document::json) -> 'warnings'")
    else:
        op.execute("UPDATE documents SET warnings = json_extract(document, '$.warnings')")


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("warnings")
