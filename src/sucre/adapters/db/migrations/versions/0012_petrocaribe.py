"""petrocaribe: firms, supply agreements, shipments, loans, movements, deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:07:47

The register of firms (origin checks) and PetroCaribe's supply agreements, shipments, loans
with their fixed schedules, the movements credited to them and the goods delivered in
repayment (domain/firms.py, domain/petrocaribe.py, domain/loans.py). Their journal entries have
no period (migration 0011).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('firms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=140), nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firms')),
    sa.UniqueConstraint('code', name=op.f('uq_firms_code'))
    )
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_firms_member'), ['member'], unique=False)

    op.create_table('petrocaribe_agreements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('supplier', sa.String(length=3), nullable=False),
    sa.Column('beneficiary', sa.String(length=3), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petrocaribe_agreements')),
    sa.UniqueConstraint('code', name=op.f('uq_petrocaribe_agreements_code'))
    )
    with op.batch_alter_table('petrocaribe_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petrocaribe_agreements_beneficiary'), ['beneficiary'], unique=False)

    op.create_table('petrocaribe_shipments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agreement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cargo_id', sa.String(length=64), nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('barrels', sa.String(length=40), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('bill_minor', sa.BigInteger(), nullable=False),
    sa.Column('cash_minor', sa.BigInteger(), nullable=False),
    sa.Column('financed_minor', sa.BigInteger(), nullable=False),
    sa.Column('share', sa.String(length=12), nullable=False),
    sa.Column('cash_due', sa.Date(), nullable=False),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['petrocaribe_agreements.id'], name=op.f('fk_petrocaribe_shipments_agreement_id_petrocaribe_agreements')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_petrocaribe_shipments_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petrocaribe_shipments')),
    sa.UniqueConstraint('cargo_id', name=op.f('uq_petrocaribe_shipments_cargo_id'))
    )
    with op.batch_alter_table('petrocaribe_shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petrocaribe_shipments_member'), ['member'], unique=False)

    op.create_table('petrocaribe_loans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('principal_minor', sa.BigInteger(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('grace_years', sa.Integer(), nullable=False),
    sa.Column('rate', sa.String(length=12), nullable=False),
    sa.Column('per_year', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_petrocaribe_loans_decision_id_decisions')),
    sa.ForeignKeyConstraint(['shipment_id'], ['petrocaribe_shipments.id'], name=op.f('fk_petrocaribe_loans_shipment_id_petrocaribe_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petrocaribe_loans')),
    sa.UniqueConstraint('shipment_id', name=op.f('uq_petrocaribe_loans_shipment_id'))
    )
    with op.batch_alter_table('petrocaribe_loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petrocaribe_loans_member'), ['member'], unique=False)

    op.create_table('petrocaribe_instalments',
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal_minor', sa.BigInteger(), nullable=False),
    sa.Column('interest_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['petrocaribe_loans.id'], name=op.f('fk_petrocaribe_instalments_loan_id_petrocaribe_loans')),
    sa.PrimaryKeyConstraint('loan_id', 'number', name=op.f('pk_petrocaribe_instalments'))
    )
    op.create_table('petrocaribe_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=140), nullable=False),
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_petrocaribe_movements_decision_id_decisions')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_petrocaribe_movements_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['loan_id'], ['petrocaribe_loans.id'], name=op.f('fk_petrocaribe_movements_loan_id_petrocaribe_loans')),
    sa.ForeignKeyConstraint(['shipment_id'], ['petrocaribe_shipments.id'], name=op.f('fk_petrocaribe_movements_shipment_id_petrocaribe_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petrocaribe_movements'))
    )
    with op.batch_alter_table('petrocaribe_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petrocaribe_movements_member'), ['member'], unique=False)

    op.create_table('petrocaribe_credits',
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('interest_minor', sa.BigInteger(), nullable=False),
    sa.Column('principal_minor', sa.BigInteger(), nullable=False),
    sa.Column('waived_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['petrocaribe_loans.id'], name=op.f('fk_petrocaribe_credits_loan_id_petrocaribe_loans')),
    sa.ForeignKeyConstraint(['movement_id'], ['petrocaribe_movements.id'], name=op.f('fk_petrocaribe_credits_movement_id_petrocaribe_movements')),
    sa.PrimaryKeyConstraint('movement_id', 'loan_id', 'number', name=op.f('pk_petrocaribe_credits'))
    )
    with op.batch_alter_table('petrocaribe_credits', schema=None) as batch_op:
        batch_op.create_index('ix_petrocaribe_credits_loan', ['loan_id'], unique=False)

    op.create_table('petrocaribe_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('movement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('agreement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('hs_code', sa.String(length=6), nullable=False),
    sa.Column('quantity', sa.String(length=40), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('value_minor', sa.BigInteger(), nullable=False),
    sa.Column('exporter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('importer', sa.String(length=64), nullable=False),
    sa.Column('certificate', sa.String(length=140), nullable=False),
    sa.Column('certificate_exporter', sa.String(length=32), nullable=False),
    sa.Column('certificate_country', sa.String(length=3), nullable=False),
    sa.Column('invoice_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['petrocaribe_agreements.id'], name=op.f('fk_petrocaribe_deliveries_agreement_id_petrocaribe_agreements')),
    sa.ForeignKeyConstraint(['exporter_id'], ['firms.id'], name=op.f('fk_petrocaribe_deliveries_exporter_id_firms')),
    sa.ForeignKeyConstraint(['loan_id'], ['petrocaribe_loans.id'], name=op.f('fk_petrocaribe_deliveries_loan_id_petrocaribe_loans')),
    sa.ForeignKeyConstraint(['movement_id'], ['petrocaribe_movements.id'], name=op.f('fk_petrocaribe_deliveries_movement_id_petrocaribe_movements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petrocaribe_deliveries')),
    sa.UniqueConstraint('reference', name=op.f('uq_petrocaribe_deliveries_reference'))
    )
    with op.batch_alter_table('petrocaribe_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petrocaribe_deliveries_member'), ['member'], unique=False)



def downgrade() -> None:
    for table in ('petrocaribe_deliveries', 'petrocaribe_credits', 'petrocaribe_movements',
                  'petrocaribe_instalments', 'petrocaribe_loans', 'petrocaribe_shipments',
                  'petrocaribe_agreements', 'firms'):
        op.drop_table(table)
