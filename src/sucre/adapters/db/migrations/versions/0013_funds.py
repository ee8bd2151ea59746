"""the ALBA Bank's joint funds: funds, their projects and movements

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00

A fund and each of its projects is a council decision (``decision_id``); each movement (a
member's pledge or contribution, a tranche to a project) is one journal entry (``entry_id``,
kind ``fund``, no clearing period). Downgrading drops the three tables, and is refused while
they hold a fund: revision 0012 has nowhere to keep what links a movement to its entry.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'funds',
        sa.Column('id', _Id, nullable=False),
        sa.Column('name', sa.String(length=140), nullable=False),
        sa.Column('purpose', sa.String(length=140), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('target_minor', sa.BigInteger(), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('decision_id', _Id, nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_funds_decision_id_decisions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_funds')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_funds_decision_id')),
        sa.UniqueConstraint('name', name=op.f('uq_funds_name')),
    )
    op.create_table(
        'fund_projects',
        sa.Column('id', _Id, nullable=False),
        sa.Column('fund_id', _Id, nullable=False),
        sa.Column('name', sa.String(length=140), nullable=False),
        sa.Column('beneficiary', sa.String(length=3), nullable=False),
        sa.Column('budget_minor', sa.BigInteger(), nullable=False),
        sa.Column('effective_date', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('decision_id', _Id, nullable=False),
        sa.ForeignKeyConstraint(['beneficiary'], ['members.code'],
                                name=op.f('fk_fund_projects_beneficiary_members')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_fund_projects_decision_id_decisions')),
        sa.ForeignKeyConstraint(['fund_id'], ['funds.id'],
                                name=op.f('fk_fund_projects_fund_id_funds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_projects')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_fund_projects_decision_id')),
        sa.UniqueConstraint('fund_id', 'name', name='uq_fund_projects_fund_name'),
    )
    op.create_table(
        'fund_movements',
        sa.Column('id', _Id, nullable=False),
        sa.Column('fund_id', _Id, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=64), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('member', sa.String(length=3), nullable=False),
        sa.Column('project_id', _Id, nullable=True),
        sa.Column('entry_id', _Id, nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'],
                                name=op.f('fk_fund_movements_entry_id_journal_entries')),
        sa.ForeignKeyConstraint(['fund_id'], ['funds.id'],
                                name=op.f('fk_fund_movements_fund_id_funds')),
        sa.ForeignKeyConstraint(['member'], ['members.code'],
                                name=op.f('fk_fund_movements_member_members')),
        sa.ForeignKeyConstraint(['project_id'], ['fund_projects.id'],
                                name=op.f('fk_fund_movements_project_id_fund_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_movements')),
        sa.UniqueConstraint('entry_id', name=op.f('uq_fund_movements_entry_id')),
        sa.UniqueConstraint('fund_id', 'kind', 'reference', name='uq_fund_movements_reference'),
    )


def downgrade() -> None:
    kept = op.get_bind().execute(sa.text('SELECT COUNT(*) FROM funds')).scalar_one()
    if kept:
        raise RuntimeError(f'{kept} joint fund(s) are recorded: revision 0011 cannot hold them '
                           f'(their movements would lose their journal entries); nothing was '
                           f'changed')
    op.drop_table('fund_movements')
    op.drop_table('fund_projects')
    op.drop_table('funds')
