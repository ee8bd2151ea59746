"""The pending-actions repository (:class:`sucre.service.unit_of_work.PendingActions`) over
SQLAlchemy: four-eyes proposals (:mod:`sucre.domain.four_eyes`), read back as typed records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now, utc
from sucre.domain.errors import invariant
from sucre.domain.four_eyes import (
    ActionKind,
    ActionState,
    Actor,
    Payload,
    PendingAction,
    kind_of,
    payload_of,
)
from sucre.domain.roles import Role

_PROPOSER = t.api_clients.alias("proposer")
_APPROVER = t.api_clients.alias("approver")


def _query() -> Any:
    a = t.pending_actions.c
    return (select(t.pending_actions, _PROPOSER.c.name.label("proposer_name"),
                   _PROPOSER.c.role.label("proposer_role"),
                   _APPROVER.c.name.label("approver_name"),
                   _APPROVER.c.role.label("approver_role"))
            .join(_PROPOSER, _PROPOSER.c.id == a.proposed_by)
            .outerjoin(_APPROVER, _APPROVER.c.id == a.approved_by))


def _action(row: Any) -> PendingAction:
    approver = None if row.approved_by is None else Actor(
        int(row.approved_by), str(row.approver_name), Role(row.approver_role),
        str(row.approved_key))
    return PendingAction(
        int(row.id), payload_of(ActionKind(row.kind), json.loads(row.payload)),
        Actor(int(row.proposed_by), str(row.proposer_name), Role(row.proposer_role),
              str(row.proposed_key)),
        utc(row.created_at), ActionState(row.state), approver,
        None if row.approved_at is None else utc(row.approved_at))


class SqlPendingActions(SqlRepository):
    def add(self, payload: Payload, proposer: Actor) -> PendingAction:
        result = self.conn.execute(insert(t.pending_actions).values(
            kind=kind_of(payload).value, state=ActionState.PENDING.value,
            payload=json.dumps(payload.as_json(), sort_keys=True),
            proposed_by=proposer.client_id, proposed_key=proposer.key_id, created_at=now()))
        key = result.inserted_primary_key
        invariant(key is not None, "a pending action has an id")
        found = self.by_id(int(key[0]))  # type: ignore[index]
        invariant(found is not None, "a pending action reads back")
        assert found is not None
        return found

    def by_id(self, action_id: int, *, lock: bool = False) -> PendingAction | None:
        query = _query().where(t.pending_actions.c.id == action_id)
        if lock:
            query = query.with_for_update(of=t.pending_actions)
        row = self.conn.execute(query).first()
        return None if row is None else _action(row)

    def listed(self, *, state: ActionState | None = None) -> list[PendingAction]:
        query = _query().order_by(t.pending_actions.c.id)
        if state is not None:
            query = query.where(t.pending_actions.c.state == state.value)
        return [_action(r) for r in self.conn.execute(query)]

    def approve(self, action_id: int, approver: Actor) -> None:
        a = t.pending_actions.c
        result = self.conn.execute(update(t.pending_actions).where(
            a.id == action_id, a.state == ActionState.PENDING.value).values(
            state=ActionState.APPROVED.value, approved_by=approver.client_id,
            approved_key=approver.key_id, approved_at=now()))
        invariant(result.rowcount == 1, "an action is approved once, from pending")
