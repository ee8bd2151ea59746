"""council votes: proposals, the member states' votes, delegates bound to a member state

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00

New tables only (``proposals``, ``votes``) and a nullable column (``api_clients.member_id``, set
for the ``delegate`` role): nothing existing is converted. Going back drops them; a delegate's
client row would then read as an unbound client of an unknown role, so downgrading refuses while
delegates exist (revoke and delete them first).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_ACTOR = 120  # bounds.actor_chars_max when written


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', _Id, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('proposed_by', sa.String(length=_ACTOR), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('eligible', sa.Integer(), nullable=True),
    sa.Column('yes', sa.Integer(), nullable=True),
    sa.Column('no', sa.Integer(), nullable=True),
    sa.Column('abstain', sa.Integer(), nullable=True),
    sa.Column('quorum', sa.String(length=64), nullable=True),
    sa.Column('majority', sa.String(length=64), nullable=True),
    sa.Column('closed_by', sa.String(length=_ACTOR), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_id', _Id, nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                            name=op.f('fk_proposals_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_proposals_decision_id'))
    )
    op.create_table('votes',
    sa.Column('id', _Id, nullable=False),
    sa.Column('proposal_id', _Id, nullable=False),
    sa.Column('member', sa.String(length=3), nullable=False),
    sa.Column('ballot', sa.String(length=8), nullable=False),
    sa.Column('cast_by', sa.String(length=_ACTOR), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member'], ['members.code'], name=op.f('fk_votes_member_members')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                            name=op.f('fk_votes_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('proposal_id', 'member', name='uq_votes_proposal_member')
    )
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_clients_member_id_members'), 'members',
                                    ['member_id'], ['id'])


def downgrade() -> None:
    delegates = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM api_clients WHERE member_id IS NOT NULL")).scalar_one()
    if delegates:
        raise RuntimeError(f"{delegates} delegate API client(s) exist: revision 0007 has no "
                           "delegate role; remove them before downgrading")
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_clients_member_id_members'),
                                 type_='foreignkey')
        batch_op.drop_column('member_id')
    op.drop_table('votes')
    op.drop_table('proposals')
