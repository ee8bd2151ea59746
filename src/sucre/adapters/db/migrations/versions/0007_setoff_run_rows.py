"""set-off runs: what a run found as typed columns and rows, not a JSON summary

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:00:00

``setoff_runs.summary`` (the run's result as JSON) becomes columns of the run (parties, net
internal debt, the certificate field by field) and one ``setoff_run_members`` row per member
state; existing runs are converted. The JSON's other keys are already columns or derived
(value date, invoices, total debt, cleared, remaining, cleared fraction, currency XSU).

On SQLite, making the new columns NOT NULL and dropping ``summary`` rebuilds ``setoff_runs``;
with foreign keys enforced, that is refused while clearings refer to it, so the clearings are
parked in a temporary table meanwhile.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_XSU_PLACES = 2
_UNKNOWN_MEMBER = "---"
# Certificate.description (domain/setoff/result.py), unchanged since runs were first recorded.
_PROOF = re.compile(
    r"(?P<method>.+?): integer node potentials from label-correcting shortest paths on the "
    r"residual graph \((?P<arcs>\d+) arcs, (?P<rounds>\d+) rounds\) give the LP dual bound "
    r"(?P<bound>-?\d+) XSU minor units, equal to the cleared total, so no feasible set-off "
    r"clears more")
_NEW_COLUMNS = (('parties', sa.Integer()), ('net_internal_debt_xsu_minor', sa.BigInteger()),
                ('certificate_dual_bound_xsu_minor', sa.BigInteger()),
                ('certificate_rounds', sa.Integer()),
                ('certificate_residual_arcs', sa.Integer()))
_SIDES = ('owes_before', 'owes_after', 'owed_before', 'owed_after')

runs = sa.table('setoff_runs', sa.column('id', _Id), sa.column('summary', sa.Text()),
                sa.column('value_date', sa.Date()), sa.column('invoices', sa.Integer()),
                sa.column('total_debt_xsu_minor', sa.BigInteger()),
                sa.column('cleared_xsu_minor', sa.BigInteger()),
                sa.column('certificate', sa.String(300)),
                *(sa.column(name, kind) for name, kind in _NEW_COLUMNS))
members = sa.table('setoff_run_members', sa.column('run_id', _Id),
                   sa.column('member', sa.String(3)),
                   *(sa.column(f'{side}_xsu_minor', sa.BigInteger()) for side in _SIDES))


def _minor(text: str) -> int:
    scaled = Decimal(text).scaleb(_XSU_PLACES)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r} is not an XSU amount")
    return int(scaled)


def _xsu(minor: int) -> str:
    return str(Decimal(minor).scaleb(-_XSU_PLACES))


def upgrade() -> None:
    with op.batch_alter_table('setoff_runs', schema=None) as batch_op:
        for name, kind in _NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    conn = op.get_bind()
    member_rows: list[dict[str, Any]] = []
    for run_id, text in conn.execute(sa.select(runs.c.id, runs.c.summary)).all():
        summary = json.loads(text)
        proof = _PROOF.fullmatch(summary['certificate'])
        if proof is None:
            raise ValueError(f"set-off run {run_id}: unreadable certificate "
                             f"{summary['certificate']!r}")
        conn.execute(sa.update(runs).where(runs.c.id == run_id).values(
            parties=summary['parties'],
            net_internal_debt_xsu_minor=_minor(summary['net_internal_debt']),
            certificate_dual_bound_xsu_minor=int(proof['bound']),
            certificate_rounds=int(proof['rounds']),
            certificate_residual_arcs=int(proof['arcs'])))
        member_rows += [{'run_id': run_id,
                         'member': None if member == _UNKNOWN_MEMBER else member,
                         **{f'{side}_xsu_minor': _minor(row[side]) for side in _SIDES}}
                        for member, row in summary['members'].items()]
    with _clearings_parked(), op.batch_alter_table('setoff_runs', schema=None) as batch_op:
        for name, kind in _NEW_COLUMNS:
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.drop_column('summary')
    op.create_table(
        'setoff_run_members',
        sa.Column('id', _Id, nullable=False),
        sa.Column('run_id', _Id, nullable=False),
        sa.Column('member', sa.String(length=3), nullable=True),
        *(sa.Column(f'{side}_xsu_minor', sa.BigInteger(), nullable=False) for side in _SIDES),
        sa.ForeignKeyConstraint(['run_id'], ['setoff_runs.id'],
                                name=op.f('fk_setoff_run_members_run_id_setoff_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_setoff_run_members')),
        sa.UniqueConstraint('run_id', 'member', name=op.f('uq_setoff_run_members_run_id')))
    if member_rows:
        op.bulk_insert(members, member_rows)


def downgrade() -> None:
    conn = op.get_bind()
    found: dict[int, dict[str, dict[str, str]]] = {}
    for row in conn.execute(sa.select(members).order_by(members.c.run_id, members.c.member)):
        found.setdefault(row.run_id, {})[row.member or _UNKNOWN_MEMBER] = {
            side: _xsu(getattr(row, f'{side}_xsu_minor')) for side in _SIDES}
    op.drop_table('setoff_run_members')
    with op.batch_alter_table('setoff_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
    for run in conn.execute(sa.select(runs)).all():
        total, cleared = run.total_debt_xsu_minor, run.cleared_xsu_minor
        proof = (f"{run.certificate}: integer node potentials from label-correcting shortest "
                 f"paths on the residual graph ({run.certificate_residual_arcs} arcs, "
                 f"{run.certificate_rounds} rounds) give the LP dual bound "
                 f"{run.certificate_dual_bound_xsu_minor} XSU minor units, equal to the "
                 "cleared total, so no feasible set-off clears more")
        summary = {
            'value_date': run.value_date.isoformat(), 'invoices': run.invoices,
            'total_debt': _xsu(total), 'cleared': _xsu(cleared),
            'remaining': _xsu(total - cleared),
            'cleared_fraction': round(cleared / total if total else 0.0, 6),
            'net_internal_debt': _xsu(run.net_internal_debt_xsu_minor), 'currency': 'XSU',
            'certificate': proof, 'parties': run.parties,
            'members': dict(sorted(found.get(run.id, {}).items()))}
        conn.execute(sa.update(runs).where(runs.c.id == run.id)
                     .values(summary=json.dumps(summary, sort_keys=True)))
    with _clearings_parked(), op.batch_alter_table('setoff_runs', schema=None) as batch_op:
        batch_op.alter_column('summary', existing_type=sa.Text(), nullable=False)
        for name, _kind in _NEW_COLUMNS:
            batch_op.drop_column(name)


@contextmanager
def _clearings_parked() -> Iterator[None]:
    """On SQLite, ``setoff_clearings`` emptied into a temporary table while ``setoff_runs`` is
    rebuilt (dropping a table its rows refer to breaks their foreign key), then restored."""
    if op.get_bind().dialect.name != 'sqlite':
        yield
        return
    op.execute('CREATE TEMPORARY TABLE parked_setoff_clearings AS SELECT * FROM setoff_clearings')
    op.execute('DELETE FROM setoff_clearings')
    yield
    op.execute('INSERT INTO setoff_clearings (run_id, invoice_id, cleared_minor, '
               'cleared_xsu_minor) SELECT run_id, invoice_id, cleared_minor, cleared_xsu_minor '
               'FROM parked_setoff_clearings')
    op.execute('DROP TABLE parked_setoff_clearings')
