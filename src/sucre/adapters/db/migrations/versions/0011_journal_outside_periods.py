"""journal entries outside clearing periods: solidarity finance (loans, funds)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:30:00

A concessional loan or a fund contribution is booked on the same journal as the clearing, but no
clearing period holds it: ``journal_entries.period_id`` becomes nullable.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.alter_column('period_id', existing_type=_Id, nullable=True)


def downgrade() -> None:
    outside = op.get_bind().execute(sa.text(
        'SELECT COUNT(*) FROM journal_entries WHERE period_id IS NULL')).scalar_one()
    if outside:
        raise RuntimeError(f'{outside} journal entries belong to no clearing period (loans, '
                           f'funds): revision 0010 cannot hold them; nothing was changed')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.alter_column('period_id', existing_type=_Id, nullable=False)
