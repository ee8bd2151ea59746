"""four eyes: consequential actions proposed by one key, approved by another

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

``pending_actions`` holds a period's close or a large limit raise proposed by one API key until
a key of another client of the same role approves (and runs) it (domain/four_eyes.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'pending_actions',
        sa.Column('id', _Id, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('proposed_by', sa.Integer(), nullable=False),
        sa.Column('proposed_key', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_key', sa.String(length=32), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['approved_by'], ['api_clients.id'],
                                name=op.f('fk_pending_actions_approved_by_api_clients')),
        sa.ForeignKeyConstraint(['proposed_by'], ['api_clients.id'],
                                name=op.f('fk_pending_actions_proposed_by_api_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_actions')),
    )
    op.create_index('ix_pending_actions_state', 'pending_actions', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_actions_state', table_name='pending_actions')
    op.drop_table('pending_actions')
