"""A member's settle-out report (:mod:`sucre.domain.settle_out`), built from a settled period's
stored rows and the journal: ``sucre settle-out MEMBER [--period CODE]`` and
``GET /v1/members/{member}/settle-out``."""

from __future__ import annotations

from typing import Any

from sucre.domain.confirmations import settled_period
from sucre.domain.errors import InvalidInput, InvalidState, UnknownParty, invariant
from sucre.domain.ledger import EntryKind, position_account
from sucre.domain.members import MemberCode, MemberStatus, member_code
from sucre.domain.money import format_amount
from sucre.domain.orders import OrderStatus
from sucre.domain.periods import ClearingPeriod
from sucre.domain.rates import rate_text
from sucre.domain.settle_out import NONE_KEPT, SettleOut, Withdrawal, check, loans_of
from sucre.domain.settlement import InstructionKind, MemberFlows
from sucre.service.reports import xsu
from sucre.service.unit_of_work import UnitOfWork


def settle_out(uow: UnitOfWork, member: str, period: str | None = None) -> SettleOut:
    """The settle-out of ``member`` in ``period`` (default: the period its withdrawal took
    effect in, which must be settled)."""
    code = member_code(member)
    with uow:
        state = uow.members.members().get(code)
        if state is None:
            raise UnknownParty(f"{code} is not a member of the bloc", field="member")
        withdrawal = _withdrawal(uow, code)
        found = _period(uow, code, period, withdrawal)
        record = uow.settlements.record(found.id)
        if record is None:
            raise InvalidState(f"period {found.code} is {found.state}: its settle-out is "
                               "stated once its close has settled it", field="period")
        settled = settled_period(found, record, uow.settlements.confirmed_references(found.id))
        financing = uow.journal.financing(found.id)
        outstanding = {p.account: uow.journal.account_balance(p.account, p.currency)
                       for p in financing}
        own = {s.reference for s in settled.instructions
               if s.instruction.authority == state.authority}
        members = uow.members.members()
        out = SettleOut(
            member=state, withdrawal=withdrawal, settled=settled,
            flows=record.members.get(code, MemberFlows(0, 0)),
            posted=uow.journal.member_posted(found.id, code),
            orders=uow.orders.member_counts(found.id, code),
            authority_members={m: record.members.get(m, MemberFlows(0, 0))
                               for m in sorted(members)
                               if members[m].authority == state.authority},
            closed_xsu_minor=uow.journal.positions(found.id, (EntryKind.CLOSE,)).get(
                position_account(state.authority), 0),
            loans=tuple(loan for loan in loans_of(settled, financing, outstanding)
                        if loan.reference in own))
    return check(out)


def _withdrawal(uow: UnitOfWork, member: MemberCode) -> Withdrawal | None:
    """The member's last withdrawal in its status history, with the decision that made it."""
    withdrawals = [c for c in uow.members.history(member) if c.status is MemberStatus.WITHDRAWN]
    if not withdrawals:
        return None
    last = withdrawals[-1]
    decision = None if last.decision_id is None else uow.decisions.by_id(last.decision_id)
    invariant(last.decision_id is None or decision is not None,
              "a status change's decision is in the log")
    return Withdrawal(last.effective_date, decision)


def _period(uow: UnitOfWork, member: MemberCode, code: str | None,
            withdrawal: Withdrawal | None) -> ClearingPeriod:
    if code is not None:
        found = uow.periods.by_code(code.strip())
        if found is None:
            raise UnknownParty(f"no clearing period {code}", field="period")
        return found
    if withdrawal is None:
        raise InvalidInput(f"{member} has not withdrawn: name the period of its settle-out "
                           "(--period; period in the API)", field="period")
    found = uow.periods.on(withdrawal.effective_date)
    if found is None:
        raise InvalidState(f"no clearing period holds {member}'s withdrawal date "
                           f"{withdrawal.effective_date}: name the period", field="period")
    return found


def settle_out_json(out: SettleOut) -> dict[str, Any]:
    """The settle-out as ``sucre settle-out --json`` and the API print it."""
    settled = out.settled
    report = settled.record.report

    def flows(f: MemberFlows) -> dict[str, str]:
        return {"paid": xsu(f.paid_xsu_minor), "received": xsu(f.received_xsu_minor),
                "net": xsu(f.net_xsu_minor)}

    return {
        "member": out.member.code, "name": out.member.name, "status": out.member.status.value,
        "withdrawal": None if out.withdrawal is None else _withdrawal_json(out.withdrawal),
        "period": settled.period.code, "start": settled.period.start.isoformat(),
        "end": settled.period.end.isoformat(),
        "orders": {status.value: out.orders.get(status, 0) for status in OrderStatus},
        "flows": flows(out.flows),
        "authority": {
            "code": out.authority, "net_xsu": xsu(out.authority_net_xsu_minor),
            "shared": out.shared,
            "members": {m: flows(f) for m, f in out.authority_members.items()},
            "others_net_xsu": xsu(out.others_net_xsu_minor),
            "coverage": _coverage(out)},
        "settlement_currency": report.settlement_currency,
        "settlement_rate": rate_text(report.settlement_rate),
        "instructions": [
            {"reference": s.reference, "kind": s.instruction.kind.value,
             "authority": s.instruction.authority, "xsu": xsu(s.instruction.xsu_minor),
             "amount": format_amount(s.instruction.amount_minor, s.instruction.currency),
             "amount_minor": s.instruction.amount_minor, "currency": s.instruction.currency,
             "settlement_status": s.status.value} for s in out.instructions],
        "loans": [
            {"reference": loan.reference, "account": loan.account,
             "amount": format_amount(loan.amount_minor, loan.currency),
             "amount_minor": loan.amount_minor,
             "outstanding": format_amount(loan.outstanding_minor, loan.currency),
             "outstanding_minor": loan.outstanding_minor, "currency": loan.currency}
            for loan in out.loans],
        "claims": [
            {"holder": c.holder, "debtor": c.debtor, "kind": c.kind.value,
             "reference": c.reference, "amount": format_amount(c.amount_minor, c.currency),
             "amount_minor": c.amount_minor, "currency": c.currency} for c in out.claims],
        "unpaid_loans": NONE_KEPT,
        "fund_pledges": NONE_KEPT,
        "balance": {
            "member_net_xsu": xsu(out.flows.net_xsu_minor),
            "others_net_xsu": xsu(out.others_net_xsu_minor),
            "authority_net_xsu": xsu(out.authority_net_xsu_minor),
            "paid_xsu": xsu(out.xsu_of(InstructionKind.PAY)),
            "financed_xsu": xsu(out.xsu_of(InstructionKind.FINANCE)),
            "received_xsu": xsu(out.xsu_of(InstructionKind.RECEIVE)),
            "closed_xsu": xsu(out.closed_xsu_minor),
            "legs": {c: {"settled_minor": s, "carried_minor": k, "total_minor": s + k}
                     for c, (s, k) in sorted(out.legs_minor().items())},
            "balanced": True},
    }


def _withdrawal_json(withdrawal: Withdrawal) -> dict[str, Any]:
    decision = withdrawal.decision
    return {"effective_date": withdrawal.effective_date.isoformat(),
            "reference": None if decision is None else decision.reference,
            "decision": None if decision is None else decision.id}


def _coverage(out: SettleOut) -> str:
    member, authority = out.member.code, out.authority
    if not out.shared:
        return (f"{authority} clears for {member} alone: its net position is {member}'s, and "
                "its legs below settle it")
    others = ", ".join(m for m in out.authority_members if m != member)
    return (f"{authority} clears for {member} and {others} as one net position: {member}'s own "
            f"flows ({xsu(out.flows.net_xsu_minor)} XSU net) and the others' "
            f"({xsu(out.others_net_xsu_minor)}) sum to it, and {authority}'s legs below settle "
            f"that sum; {member} has no leg of its own")
