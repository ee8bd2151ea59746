"""The proposals repository (:class:`sucre.service.unit_of_work.Proposals`) over SQLAlchemy:
proposals put to the council's vote and the votes of the member states."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import (
    SqlRepository,
    fraction_text,
    now,
    parse_fraction,
    utc,
)
from sucre.domain.decisions import decision_reference
from sucre.domain.errors import invariant
from sucre.domain.members import MemberCode
from sucre.domain.proposals import (
    RULES,
    Ballot,
    Outcome,
    Proposal,
    ProposalKind,
    ProposalState,
    Tally,
    Vote,
)


def _proposal(row: Any) -> Proposal:
    kind = ProposalKind(row.kind)
    tally = None if row.outcome is None else Tally(
        RULES[kind], int(row.eligible), int(row.yes), int(row.no), int(row.abstain),
        parse_fraction(row.quorum), parse_fraction(row.majority), Outcome(row.outcome))
    return Proposal(int(row.id), kind, json.loads(row.payload), row.effective_date,
                    row.reference, row.proposed_by, utc(row.proposed_at),
                    ProposalState(row.state), tally, row.closed_by,
                    None if row.closed_at is None else utc(row.closed_at),
                    None if row.decision_id is None else int(row.decision_id))


class SqlProposals(SqlRepository):
    def add(self, kind: ProposalKind, payload: Mapping[str, Any], effective_date: dt.date,
            reference: str, proposed_by: str) -> Proposal:
        values = {"kind": kind.value, "payload": json.dumps(payload, sort_keys=True),
                  "effective_date": effective_date, "reference": decision_reference(reference),
                  "proposed_by": proposed_by, "proposed_at": now(),
                  "state": ProposalState.OPEN.value}
        key = self.conn.execute(insert(t.proposals).values(**values)).inserted_primary_key
        invariant(key is not None, "a proposal has an id")
        found = self.by_id(int(key[0]))  # type: ignore[index]
        invariant(found is not None, "a proposal reads back")
        assert found is not None
        return found

    def by_id(self, proposal_id: int, *, lock: bool = False) -> Proposal | None:
        query = select(t.proposals).where(t.proposals.c.id == proposal_id)
        row = self.conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _proposal(row)

    def by_decision(self, decision_id: int) -> Proposal | None:
        row = self.conn.execute(select(t.proposals)
                                .where(t.proposals.c.decision_id == decision_id)).first()
        return None if row is None else _proposal(row)

    def first(self, count: int) -> list[Proposal]:
        return [_proposal(r) for r in self.conn.execute(
            select(t.proposals).order_by(t.proposals.c.id).limit(count))]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.proposals))
                   .scalar_one())

    def close(self, proposal_id: int, tally: Tally, closed_by: str,
              decision_id: int | None) -> None:
        state = ProposalState.ADOPTED if tally.adopted else ProposalState.REJECTED
        p = t.proposals.c
        done = self.conn.execute(
            update(t.proposals).where(p.id == proposal_id, p.state == ProposalState.OPEN.value)
            .values(state=state.value, outcome=tally.outcome.value, eligible=tally.eligible,
                    yes=tally.yes, no=tally.no, abstain=tally.abstain,
                    quorum=fraction_text(tally.quorum), majority=fraction_text(tally.majority),
                    closed_by=closed_by, closed_at=now(), decision_id=decision_id))
        invariant(done.rowcount == 1, "an open proposal is closed once")

    def votes(self, proposal_id: int) -> list[Vote]:
        v = t.votes.c
        return [Vote(int(r.proposal_id), MemberCode(r.member), Ballot(r.ballot), r.cast_by,
                     utc(r.cast_at))
                for r in self.conn.execute(select(t.votes).where(v.proposal_id == proposal_id)
                                           .order_by(v.id))]

    def add_vote(self, proposal_id: int, member: MemberCode, ballot: Ballot, cast_by: str
                 ) -> Vote:
        cast_at = now()
        self.conn.execute(insert(t.votes).values(proposal_id=proposal_id, member=member,
                                                 ballot=ballot.value, cast_by=cast_by,
                                                 cast_at=cast_at))
        return Vote(proposal_id, member, ballot, cast_by, cast_at)
