"""members' status as an effective-dated history

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

``members.status`` (one column, changed at once by a status decision whatever its effective date)
becomes ``member_status_changes``: one row per decision changing a member's status, in force
from its effective date. Existing members are converted from the decision log: ``active`` from
their admission decision, then each ``member_*`` decision's new status from its effective date
(a member without any decision keeps its current status from the first decision's date, or
1970-01-01 on an empty log). Downgrading writes back the status of each member's last recorded
change, as the older code kept it.

SQLite drops and adds the column in place (``ALTER TABLE``, SQLite 3.35+): rebuilding
``members`` would break the foreign keys of the settlement rows that name member states.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_EPOCH = dt.date(1970, 1, 1)


def upgrade() -> None:
    op.create_table(
        'member_status_changes',
        sa.Column('id', _Id, nullable=False),
        sa.Column('member', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('decision_id', _Id, nullable=True),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id']),
        sa.ForeignKeyConstraint(['member'], ['members.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_member_status_changes_member_date', 'member_status_changes',
                    ['member', 'effective_date'], unique=False)
    conn = op.get_bind()
    changes = sa.table('member_status_changes', sa.column('member'), sa.column('status'),
                       sa.column('effective_date', sa.Date()), sa.column('decision_id'))
    rows = _history(conn)
    if rows:
        conn.execute(sa.insert(changes), rows)
    if conn.dialect.name == 'sqlite':
        op.execute('ALTER TABLE members DROP COLUMN status')
    else:
        op.drop_column('members', 'status')


def _history(conn: sa.Connection) -> list[dict[str, Any]]:
    members = {r.code: r.status for r in conn.execute(sa.text('SELECT code, status FROM members'))}
    decisions = conn.execute(sa.text(
        "SELECT id, kind, effective_date, payload FROM decisions "
        "WHERE kind = 'admission' OR kind LIKE 'member\\_%' ESCAPE '\\' "
        "ORDER BY effective_date, id")).all()
    first = conn.execute(sa.text('SELECT MIN(effective_date) FROM decisions')).scalar()
    rows: list[dict[str, Any]] = []
    for d in decisions:
        payload = json.loads(d.payload)
        member = payload.get('member')
        if member not in members:
            continue
        status = 'active' if d.kind == 'admission' else payload.get('to')
        rows.append({'member': member, 'status': status, 'effective_date': _date(d.effective_date),
                     'decision_id': d.id})
    decided = {r['member'] for r in rows}
    rows.extend({'member': code, 'status': status,
                 'effective_date': _date(first) if first is not None else _EPOCH,
                 'decision_id': None}
                for code, status in sorted(members.items()) if code not in decided)
    return rows


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        op.execute("ALTER TABLE members ADD COLUMN status VARCHAR(12) NOT NULL DEFAULT 'active'")
    else:
        op.add_column('members', sa.Column('status', sa.String(length=12), nullable=True))
    last = conn.execute(sa.text(
        'SELECT member, status FROM member_status_changes ORDER BY '
        'CASE WHEN decision_id IS NULL THEN 0 ELSE 1 END, decision_id, id')).all()
    for member, status in {r.member: r.status for r in last}.items():
        conn.execute(sa.text('UPDATE members SET status = :status WHERE code = :code'),
                     {'status': status, 'code': member})
    if conn.dialect.name != 'sqlite':
        conn.execute(sa.text("UPDATE members SET status = 'active' WHERE status IS NULL"))
        op.alter_column('members', 'status', existing_type=sa.String(length=12),
                        nullable=False)
    op.drop_index('ix_member_status_changes_member_date', table_name='member_status_changes')
    op.drop_table('member_status_changes')
