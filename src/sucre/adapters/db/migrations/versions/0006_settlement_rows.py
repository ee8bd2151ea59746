"""settlements as typed rows: the report is built from them, no longer stored as JSON

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00

A settled period's record was its report as canonical JSON (``settlements.report``), and pacs.009
confirmations read the instructions back out of it. Each figure now has a column, and the
instructions, positions, member flows and corridors a table each; the JSON of every period
settled by an earlier sucre is read into them here (its shape never changed), so those periods
still report and confirm. The JSON column is dropped: everything in it is in the rows (the
downgrade writes it back from them).
"""
from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_XSU_PLACES = 2  # XSU amounts in the report are text with 2 decimals
_FIGURES = ('gross_xsu_minor', 'net_xsu_minor', 'bilateral_xsu_minor', 'settlement_currency',
            'settlement_rate', 'accepted_orders', 'rejected_orders')

_settlements = sa.table(
    'settlements', sa.column('period_id', sa.Integer), sa.column('report', sa.Text),
    *(sa.column(name) for name in _FIGURES))
_periods = sa.table('periods', sa.column('id', sa.Integer), sa.column('code', sa.String),
                    sa.column('start_date', sa.Date), sa.column('end_date', sa.Date))


def _tables() -> None:
    op.create_table('settlement_instructions',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('authority', sa.String(length=12), nullable=False),
    sa.Column('xsu_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['authority'], ['authorities.code'], name=op.f('fk_settlement_instructions_authority_authorities')),
    sa.ForeignKeyConstraint(['period_id'], ['settlements.period_id'], name=op.f('fk_settlement_instructions_period_id_settlements')),
    sa.PrimaryKeyConstraint('period_id', 'line', name=op.f('pk_settlement_instructions')),
    sa.UniqueConstraint('reference', name=op.f('uq_settlement_instructions_reference'))
    )
    op.create_table('settlement_positions',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=12), nullable=False),
    sa.Column('net_xsu_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['authority'], ['authorities.code'], name=op.f('fk_settlement_positions_authority_authorities')),
    sa.ForeignKeyConstraint(['period_id'], ['settlements.period_id'], name=op.f('fk_settlement_positions_period_id_settlements')),
    sa.PrimaryKeyConstraint('period_id', 'authority', name=op.f('pk_settlement_positions'))
    )
    op.create_table('settlement_members',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('paid_xsu_minor', sa.BigInteger(), nullable=False),
    sa.Column('received_xsu_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['member'], ['members.code'], name=op.f('fk_settlement_members_member_members')),
    sa.ForeignKeyConstraint(['period_id'], ['settlements.period_id'], name=op.f('fk_settlement_members_period_id_settlements')),
    sa.PrimaryKeyConstraint('period_id', 'member', name=op.f('pk_settlement_members'))
    )
    op.create_table('settlement_corridors',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('debtor', sa.String(length=12), nullable=False),
    sa.Column('creditor', sa.String(length=12), nullable=False),
    sa.Column('gross_xsu_minor', sa.BigInteger(), nullable=False),
    sa.Column('alert', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['creditor'], ['authorities.code'], name=op.f('fk_settlement_corridors_creditor_authorities')),
    sa.ForeignKeyConstraint(['debtor'], ['authorities.code'], name=op.f('fk_settlement_corridors_debtor_authorities')),
    sa.ForeignKeyConstraint(['period_id'], ['settlements.period_id'], name=op.f('fk_settlement_corridors_period_id_settlements')),
    sa.PrimaryKeyConstraint('period_id', 'line', name=op.f('pk_settlement_corridors'))
    )


def _figure_columns() -> list[sa.Column[Any]]:
    return [sa.Column('gross_xsu_minor', sa.BigInteger(), nullable=True),
            sa.Column('net_xsu_minor', sa.BigInteger(), nullable=True),
            sa.Column('bilateral_xsu_minor', sa.BigInteger(), nullable=True),
            sa.Column('settlement_currency', sa.String(length=3), nullable=True),
            sa.Column('settlement_rate', sa.String(length=64), nullable=True),
            sa.Column('accepted_orders', sa.BigInteger(), nullable=True),
            sa.Column('rejected_orders', sa.BigInteger(), nullable=True)]


def upgrade() -> None:
    conn = op.get_bind()
    stored = conn.execute(sa.select(_settlements.c.period_id, _settlements.c.report,
                                    _periods.c.code)
                          .join(_periods, _periods.c.id == _settlements.c.period_id)).all()
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        for column in _figure_columns():
            batch_op.add_column(column)
    reports = [(period_id, code, json.loads(report)) for period_id, report, code in stored]
    for period_id, _, report in reports:
        _write_figures(conn, period_id, report)
    # Before the tables that refer to it: SQLite's batch mode copies the table and drops the
    # original, which a foreign key to it would forbid.
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        for column in _figure_columns():
            batch_op.alter_column(column.name, existing_type=column.type, nullable=False)
        batch_op.drop_column('report')
    _tables()
    for period_id, code, report in reports:
        _write_rows(conn, period_id, code, report)


def _minor(text: str, places: int = _XSU_PLACES) -> int:
    scaled = Decimal(text).scaleb(places)
    assert scaled == scaled.to_integral_value(), f"{text} has at most {places} decimals"
    return int(scaled)


def _write_figures(conn: sa.Connection, period_id: int, report: dict[str, Any]) -> None:
    rate = Fraction(Decimal(report['settlement_rate']))
    conn.execute(sa.update(_settlements).where(_settlements.c.period_id == period_id).values(
        gross_xsu_minor=_minor(report['gross_xsu']), net_xsu_minor=_minor(report['net_xsu']),
        bilateral_xsu_minor=_minor(report['bilateral_net_xsu']),
        settlement_currency=report['settlement_currency'],
        settlement_rate=f"{rate.numerator}/{rate.denominator}",
        accepted_orders=int(report['orders']['accepted']),
        rejected_orders=int(report['orders']['rejected'])))


def _write_rows(conn: sa.Connection, period_id: int, code: str, report: dict[str, Any]) -> None:
    rows = {
        'settlement_instructions': [
            {'period_id': period_id, 'line': line, 'kind': i['kind'], 'authority': i['authority'],
             'reference': f"{code}/{i['kind'].upper()}/{i['authority']}",
             'xsu_minor': _minor(i['xsu']), 'amount_minor': int(i['amount_minor']),
             'currency': i['currency']} for line, i in enumerate(report['settlement'], 1)],
        'settlement_positions': [
            {'period_id': period_id, 'authority': a, 'net_xsu_minor': _minor(n)}
            for a, n in report['positions'].items()],
        'settlement_members': [
            {'period_id': period_id, 'member': m, 'paid_xsu_minor': _minor(f['paid']),
             'received_xsu_minor': _minor(f['received'])} for m, f in report['members'].items()],
        'settlement_corridors': [
            {'period_id': period_id, 'line': line, 'debtor': c['debtor'],
             'creditor': c['creditor'], 'gross_xsu_minor': _minor(c['gross_xsu']),
             'alert': bool(c['alert'])} for line, c in enumerate(report['corridors'], 1)],
    }
    for name, values in rows.items():
        if values:
            table = sa.table(name, *(sa.column(k) for k in values[0]))
            conn.execute(sa.insert(table), values)


def downgrade() -> None:
    # The JSON as the earlier sucre wrote it (sucre.service.reports at revision 0005).
    from sucre.domain.money import CurrencyCode, format_amount
    from sucre.domain.rates import rate_text

    conn = op.get_bind()

    def xsu(minor: int) -> str:
        return format_amount(minor, CurrencyCode('XSU'))

    def ratio(value: Fraction) -> float:
        return round(float(value), 6)

    def share(part: int, whole: int) -> Fraction:
        return Fraction(part, whole) if whole else Fraction(0)

    def rows(name: str, period_id: int, order: str) -> list[Any]:
        return list(conn.execute(sa.text(
            f"SELECT * FROM {name} WHERE period_id = :p ORDER BY {order}"),  # noqa: S608
            {'p': period_id}).mappings())

    documents = {}
    figures = [_settlements.c[name] for name in ('period_id', *_FIGURES)]
    for s in conn.execute(sa.select(*figures, _periods.c.code, _periods.c.start_date,
                                    _periods.c.end_date)
                          .join(_periods, _periods.c.id == _settlements.c.period_id)).mappings():
        pid, gross = s['period_id'], int(s['gross_xsu_minor'])
        corridors = rows('settlement_corridors', pid, 'line')
        documents[pid] = json.dumps({
            'period': s['code'], 'start': str(s['start_date']), 'end': str(s['end_date']),
            'gross_xsu': xsu(gross), 'net_xsu': xsu(int(s['net_xsu_minor'])),
            'bilateral_net_xsu': xsu(int(s['bilateral_xsu_minor'])),
            'liquidity_saving': ratio(1 - share(int(s['net_xsu_minor']), gross)
                                      if gross else Fraction(0)),
            'bilateral_saving': ratio(1 - share(int(s['bilateral_xsu_minor']), gross)
                                      if gross else Fraction(0)),
            'positions': {r['authority']: xsu(int(r['net_xsu_minor']))
                          for r in rows('settlement_positions', pid, 'authority')},
            'members': {r['member']: {
                'paid': xsu(int(r['paid_xsu_minor'])),
                'received': xsu(int(r['received_xsu_minor'])),
                'net': xsu(int(r['received_xsu_minor']) - int(r['paid_xsu_minor']))}
                for r in rows('settlement_members', pid, 'member')},
            'orders': {'accepted': int(s['accepted_orders']),
                       'rejected': int(s['rejected_orders'])},
            'settlement_currency': s['settlement_currency'],
            'settlement_rate': rate_text(Fraction(s['settlement_rate'])),
            'settlement': [{
                'kind': r['kind'], 'authority': r['authority'], 'xsu': xsu(int(r['xsu_minor'])),
                'amount': format_amount(int(r['amount_minor']), CurrencyCode(r['currency'])),
                'amount_minor': int(r['amount_minor']), 'currency': r['currency']}
                for r in rows('settlement_instructions', pid, 'line')],
            'corridors': [{
                'debtor': r['debtor'], 'creditor': r['creditor'],
                'gross_xsu': xsu(int(r['gross_xsu_minor'])),
                'share': ratio(share(int(r['gross_xsu_minor']), gross)), 'alert': bool(r['alert'])}
                for r in corridors],
        }, sort_keys=True)
    for name in ('settlement_corridors', 'settlement_members', 'settlement_positions',
                 'settlement_instructions'):
        op.drop_table(name)
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.Text(), nullable=True))
    for pid, document in documents.items():
        conn.execute(sa.update(_settlements).where(_settlements.c.period_id == pid)
                     .values(report=document))
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.alter_column('report', existing_type=sa.Text(), nullable=False)
        for name in _FIGURES:
            batch_op.drop_column(name)
