"""Use cases of the ALBA Bank's joint funds (the rules: :mod:`sucre.domain.funds`).

* :func:`create_fund` and :func:`approve_project` record the council's decisions (the direct
  path; :mod:`sucre.service.council` applies an adopted ``fund`` or ``project`` proposal through
  the same functions);
* :func:`subscribe`, :func:`contribute` and :func:`disburse` record a movement: one row of
  ``fund_movements`` and its journal entry, or nothing when refused. The same reference with the
  same content is a replay (the movement recorded first is returned, nothing written); with
  other content it is refused (DUPL);
* :func:`fund_report`, :func:`fund_list` and :func:`movements` read; :func:`check_funds`
  re-derives every fund's figures from the journal for ``sucre verify``.

Every use case writing for a fund first locks the fund's row (``FOR UPDATE`` on PostgreSQL;
SQLite's single writer serialises them anyway), so two tranches at once cannot both pass the
balance check: the second reads the first's movement. The lock's place in the global order is
stated in :mod:`sucre.adapters.db.engine`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sucre.adapters.db.engine import retry_transient
from sucre.domain import funds as rules
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidState,
    InvariantBroken,
    NotFound,
    SucreError,
    invariant,
)
from sucre.domain.funds import (
    Fund,
    FundFigures,
    Movement,
    MovementKind,
    MovementRequest,
    Project,
)
from sucre.domain.ledger import EntryKind
from sucre.domain.members import MemberCode, member_code, status_on
from sucre.domain.money import CurrencyCode, format_amount, parse_amount
from sucre.domain.proposals import fund_payload, project_payload
from sucre.service.unit_of_work import UnitOfWork

#: Decision kinds of the log.
FUND_DECISION = "fund"
PROJECT_DECISION = "fund_project"


# --- the council's decisions ----------------------------------------------------------------

@retry_transient
def create_fund(uow: UnitOfWork, name: str, purpose: str, target: str | Decimal, *,
                currency: str = "USD", effective_date: dt.date, reference: str) -> Fund:
    """The council creates a fund (a decision). The same fund again (same name and content)
    is a replay; another fund of that name is refused."""
    payload = fund_payload({"name": name, "purpose": purpose, "target": str(target),
                            "currency": currency})
    with uow:
        fund = decide_fund(uow, payload, effective_date, reference, replay=True)
        uow.commit()
    return fund


def decide_fund(uow: UnitOfWork, payload: Mapping[str, Any], effective_date: dt.date,
                reference: str, *, replay: bool = False) -> Fund:
    """Record a fund's decision (``payload``: :func:`sucre.domain.proposals.fund_payload`)
    inside the caller's unit of work; ``replay``: the same fund already recorded is returned."""
    existing = uow.funds.by_name(str(payload["name"]))
    if existing is not None:
        same = (existing.purpose, existing.currency, existing.target_minor,
                existing.effective_date, existing.reference) == (
            payload["purpose"], payload["currency"], payload["target_minor"], effective_date,
            reference.strip())
        if replay and same:
            return existing
        raise IdempotencyConflict(f"fund {existing.id} is already named {existing.name!r} "
                                  f"({existing.reference}); a new fund takes a new name",
                                  field="name")
    decision = uow.decisions.record_decision(FUND_DECISION, effective_date, reference, payload)
    recorded = uow.decisions.by_id(decision)
    assert recorded is not None  # for mypy: just recorded
    return uow.funds.add_fund(str(payload["name"]), str(payload["purpose"]),
                              payload["currency"], int(payload["target_minor"]), effective_date,
                              recorded.reference, decision)


@retry_transient
def approve_project(uow: UnitOfWork, fund_id: int, name: str, beneficiary: str,
                    budget: str | Decimal, *, effective_date: dt.date, reference: str
                    ) -> Project:
    """The council approves a project against a fund (a decision). The same project again is
    a replay; another of that name in the fund is refused."""
    payload = project_payload({"fund": str(fund_id), "name": name, "beneficiary": beneficiary,
                               "budget": str(budget)})
    with uow:
        project = decide_project(uow, payload, effective_date, reference, replay=True)
        uow.commit()
    return project


def decide_project(uow: UnitOfWork, payload: Mapping[str, Any], effective_date: dt.date,
                   reference: str, *, replay: bool = False) -> Project:
    """Record a project's decision (``payload``: :func:`sucre.domain.proposals.project_payload`)
    inside the caller's unit of work, after every rule of the fund allows it."""
    fund = _fund(uow, int(payload["fund"]), lock=True)
    budget_minor = parse_amount(str(payload["budget"]), fund.currency, field="budget")
    beneficiary = MemberCode(str(payload["beneficiary"]))
    projects, movements = uow.funds.projects(fund.id), uow.funds.movements(fund.id)
    for project in projects:
        if project.name == payload["name"]:
            same = (project.beneficiary, project.budget_minor, project.effective_date,
                    project.reference) == (beneficiary, budget_minor, effective_date,
                                           reference.strip())
            if replay and same:
                return project
            raise IdempotencyConflict(f"fund {fund.id} already has a project named "
                                      f"{project.name!r} (project {project.id})", field="name")
    rules.check_in_date_order(fund, effective_date, rules.latest_record(projects, movements),
                              field="effective_date")
    rules.require_member_may(None, beneficiary, _status(uow, beneficiary, effective_date),
                             effective_date, field="beneficiary")
    rules.check_approval(rules.figures(fund, projects, movements), budget_minor)
    decision = uow.decisions.record_decision(PROJECT_DECISION, effective_date, reference, {
        "fund": fund.id, "fund_name": fund.name, "name": payload["name"],
        "beneficiary": beneficiary, "currency": fund.currency,
        "budget": format_amount(budget_minor, fund.currency), "budget_minor": budget_minor})
    recorded = uow.decisions.by_id(decision)
    assert recorded is not None  # for mypy: just recorded
    return uow.funds.add_project(fund.id, str(payload["name"]), beneficiary, budget_minor,
                                 effective_date, recorded.reference, decision)


# --- movements ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Recorded:
    """A movement as recorded, and whether this call only replayed it."""

    movement: Movement
    replayed: bool


def subscribe(uow: UnitOfWork, fund_id: int, member: str, amount: str | Decimal, *,
              value_date: dt.date, reference: str) -> Recorded:
    """``member`` pledges ``amount`` to the fund (or raises its pledge by it)."""
    return _record(uow, fund_id, MovementKind.SUBSCRIPTION, str(amount), value_date, reference,
                   member=member)


def contribute(uow: UnitOfWork, fund_id: int, member: str, amount: str | Decimal, *,
               value_date: dt.date, reference: str) -> Recorded:
    """``member`` pays ``amount`` into the fund, within its outstanding pledge."""
    return _record(uow, fund_id, MovementKind.CONTRIBUTION, str(amount), value_date, reference,
                   member=member)


def disburse(uow: UnitOfWork, fund_id: int, project_id: int, amount: str | Decimal, *,
             value_date: dt.date, reference: str) -> Recorded:
    """A tranche of ``amount`` from the fund to one of its approved projects."""
    return _record(uow, fund_id, MovementKind.DISBURSEMENT, str(amount), value_date, reference,
                   project_id=project_id)


@retry_transient
def _record(uow: UnitOfWork, fund_id: int, kind: MovementKind, amount: str,
            value_date: dt.date, reference: str, *, member: str | None = None,
            project_id: int | None = None) -> Recorded:
    code = None if member is None else member_code(member)
    checked_reference = rules.movement_reference(reference)
    with uow:
        fund = _fund(uow, fund_id, lock=True)
        request = MovementRequest(kind, checked_reference, value_date,
                                  parse_amount(amount, fund.currency), code, project_id)
        existing = uow.funds.movement(fund.id, kind, checked_reference)
        if existing is not None:
            if not existing.same_as(request):
                raise IdempotencyConflict(
                    f"fund {fund.id} already has {kind.value} {checked_reference!r} "
                    f"({existing.member}, {format_amount(existing.amount_minor, fund.currency)}"
                    f" {fund.currency} on {existing.value_date}); a new one takes a new "
                    "reference", field="reference")
            return Recorded(existing, True)
        movement = _book(uow, fund, request)
        uow.commit()
    return Recorded(movement, False)


def _book(uow: UnitOfWork, fund: Fund, request: MovementRequest) -> Movement:
    """Check a new movement against the fund's rules, then write it and its entry."""
    projects, movements = uow.funds.projects(fund.id), uow.funds.movements(fund.id)
    now = rules.figures(fund, projects, movements)
    rules.check_in_date_order(fund, request.value_date,
                              rules.latest_record(projects, movements), field="value_date")
    if request.project_id is not None:
        project = now.project(request.project_id).project
        member, action, field = project.beneficiary, None, "project"
    else:
        assert request.member is not None  # for mypy: MovementRequest's invariant
        member, action, field = request.member, request.kind, "member"
    rules.require_member_may(action, member, _status(uow, member, request.value_date),
                             request.value_date, field=field)
    rules.check_movement(now, request, member)
    [entry_id] = uow.journal.append([rules.movement_entry(fund, request, member)])
    movement = uow.funds.add_movement(fund.id, request, member, entry_id)
    rules.figures(fund, projects, [*movements, movement]).check()
    return movement


def _status(uow: UnitOfWork, member: MemberCode, day: dt.date) -> Any:
    return status_on(uow.members.history(member), day)


def _fund(uow: UnitOfWork, fund_id: int, *, lock: bool = False) -> Fund:
    found = uow.funds.by_id(fund_id, lock=lock)
    if found is None:
        raise NotFound(f"no fund {fund_id}", field="fund")
    return found


# --- reads ----------------------------------------------------------------------------------

def fund_report(uow: UnitOfWork, fund_id: int, as_of: dt.date = dt.date.max) -> FundFigures:
    """A fund's figures as of a date (every record dated on or before it)."""
    with uow:
        fund = _fund(uow, fund_id)
        return rules.figures(fund, uow.funds.projects(fund.id), uow.funds.movements(fund.id),
                             as_of)


def fund_list(uow: UnitOfWork, as_of: dt.date = dt.date.max) -> list[FundFigures]:
    """Every fund with its figures, in the order they were created."""
    with uow:
        return [rules.figures(fund, uow.funds.projects(fund.id), uow.funds.movements(fund.id),
                              as_of) for fund in uow.funds.all()]


def movements(uow: UnitOfWork, fund_id: int) -> tuple[Fund, list[Movement]]:
    """A fund and its movements, in the order they were recorded."""
    with uow:
        fund = _fund(uow, fund_id)
        return fund, uow.funds.movements(fund.id)


# --- sucre verify ---------------------------------------------------------------------------

def check_funds(uow: UnitOfWork) -> dict[str, Any]:
    """Re-derive every fund's balances from the journal (cash, each member's pledge and
    payments, each project's tranches) and compare them with the movements recorded; every
    ``fund`` entry belongs to exactly one movement. The figures ``sucre verify`` prints."""
    with uow:
        balances = {account: amount for (account, code), amount in uow.journal.balances().items()
                    if account.startswith(rules.FUND_PREFIX)}
        linked: list[int] = []
        available: dict[CurrencyCode, int] = {}
        every = uow.funds.all()
        for fund in every:
            recorded = uow.funds.movements(fund.id)
            linked += [m.entry_id for m in recorded]
            now = rules.figures(fund, uow.funds.projects(fund.id), recorded)
            now.check()
            _check_entries(uow, fund, recorded)
            for account, amount in _expected_balances(now).items():
                invariant(balances.pop(account, 0) == amount,
                          f"fund {fund.id}: {account} in the journal equals its movements")
            available[fund.currency] = available.get(fund.currency, 0) + now.available_minor
        invariant(not any(balances.values()),
                  f"every fund account of the journal belongs to a fund's movements: {balances}")
        invariant(len(linked) == len(set(linked)) and set(linked) == uow.journal.entry_ids(
            EntryKind.FUND), "every fund entry of the journal is one movement's")
    return {"funds": len(every), "movements": len(linked),
            "available": {code: format_amount(amount, code)
                          for code, amount in sorted(available.items())}}


def _check_entries(uow: UnitOfWork, fund: Fund, recorded: list[Movement]) -> None:
    """Each movement's entry is the one its row says it booked (accounts and amount)."""
    entries = uow.journal.entries([m.entry_id for m in recorded])
    for m in recorded:
        booked = entries.get(m.entry_id)
        expected = rules.movement_entry(fund, MovementRequest(
            m.kind, m.reference, m.value_date, m.amount_minor,
            None if m.project_id is not None else m.member, m.project_id), m.member)
        invariant(booked is not None and booked.postings == expected.postings
                  and booked.kind is EntryKind.FUND and booked.period_id is None,
                  f"fund {fund.id}: movement {m.id} ({m.reference}) is its journal entry "
                  f"{m.entry_id}")


def _expected_balances(now: FundFigures) -> dict[str, int]:
    """What each of a fund's accounts must hold, by the signs of :mod:`sucre.domain.funds`."""
    f = now.fund.id
    expected = {rules.pledges_account(f): now.pledged_minor,
                rules.cash_account(f): now.available_minor}
    for line in now.members:
        expected[rules.pledged_account(f, line.member)] = -line.pledged_minor
        expected[rules.contributed_account(f, line.member)] = -line.paid_in_minor
    for project in now.projects:
        expected[rules.disbursed_account(f, project.project.id)] = project.disbursed_minor
    return expected


# --- JSON (the CLI prints it, the API answers it) -------------------------------------------

def fund_json(fund: Fund) -> dict[str, Any]:
    return {"id": fund.id, "name": fund.name, "purpose": fund.purpose,
            "currency": fund.currency, "target": format_amount(fund.target_minor, fund.currency),
            "effective_date": fund.effective_date.isoformat(), "reference": fund.reference,
            "decision": fund.decision_id}


def project_json(project: Project, fund: Fund) -> dict[str, Any]:
    return {"id": project.id, "fund": project.fund_id, "name": project.name,
            "beneficiary": project.beneficiary,
            "budget": format_amount(project.budget_minor, fund.currency),
            "effective_date": project.effective_date.isoformat(),
            "reference": project.reference, "decision": project.decision_id}


def movement_json(movement: Movement, fund: Fund, *, replayed: bool = False) -> dict[str, Any]:
    return {"id": movement.id, "fund": movement.fund_id, "kind": movement.kind.value,
            "reference": movement.reference, "value_date": movement.value_date.isoformat(),
            "member": movement.member, "project": movement.project_id,
            "amount": format_amount(movement.amount_minor, fund.currency),
            "currency": fund.currency, "entry": movement.entry_id, "replayed": replayed}


def totals_json(now: FundFigures) -> dict[str, str]:
    """A fund's totals (the figures every reader of the fund may see)."""
    code = now.fund.currency
    return {name: format_amount(value, code) for name, value in (
        ("target", now.fund.target_minor), ("pledged", now.pledged_minor),
        ("paid_in", now.paid_in_minor), ("outstanding", now.outstanding_minor),
        ("committed", now.committed_minor), ("uncommitted", now.uncommitted_minor),
        ("disbursed", now.disbursed_minor), ("available", now.available_minor),
        ("to_disburse", now.to_disburse_minor))}


def report_json(now: FundFigures, *, members: frozenset[str] | None = None) -> dict[str, Any]:
    """``sucre fund report --json``: the fund, its totals, and per member state and project
    (``members``: only the lines of those member states, the totals whole)."""
    code = now.fund.currency
    return {
        "fund": fund_json(now.fund),
        "as_of": None if now.as_of == dt.date.max else now.as_of.isoformat(),
        "currency": code, **totals_json(now),
        "members": [{"member": line.member,
                     "pledged": format_amount(line.pledged_minor, code),
                     "paid_in": format_amount(line.paid_in_minor, code),
                     "outstanding": format_amount(line.outstanding_minor, code)}
                    for line in now.members if members is None or line.member in members],
        "projects": [{**project_json(line.project, now.fund),
                      "disbursed": format_amount(line.disbursed_minor, code),
                      "remaining": format_amount(line.remaining_minor, code)}
                     for line in now.projects
                     if members is None or line.project.beneficiary in members],
        "lines_limited_to": None if members is None else sorted(members)}


def check_proposal(uow: UnitOfWork, kind: str, payload: Mapping[str, Any]) -> None:
    """What a ``fund`` or ``project`` proposal names is checked when proposed: a fund's name is
    free, a project's fund exists and its budget is in the fund's currency (the fund's rules
    are checked again when the proposal is adopted: the figures may have moved)."""
    if kind == FUND_DECISION:
        existing = uow.funds.by_name(str(payload["name"]))
        if existing is not None:
            raise InvalidState(f"fund {existing.id} is already named {existing.name!r}",
                               field="name")
        return
    fund = _fund(uow, int(payload["fund"]))
    parse_amount(str(payload["budget"]), fund.currency, field="budget")


# --- the demo's story -----------------------------------------------------------------------

#: The demo's fund (demo data, calibrated on the February 2025 summit's USD 10 million): each
#: member's pledge and what it pays in on 3 August, in USD.
_DEMO_SPLIT = (("VEN", "4000000.00", "3000000.00"), ("CUB", "2000000.00", "2000000.00"),
               ("NIC", "2000000.00", "1000000.00"), ("ATG", "500000.00", "500000.00"),
               ("DMA", "500000.00", "500000.00"), ("LCA", "500000.00", None),
               ("VCT", "500000.00", None))


def demo_story(uow: UnitOfWork, steps: list[str], reference: str) -> dict[str, Any]:
    """``sucre demo``'s joint fund: created, funded, disbursing to two projects, with a payment
    of a member that withdrew on 1 October and a tranche beyond its budget refused; the fund's
    report (``steps``: the story's lines are appended)."""
    fund = create_fund(uow, "migrant reintegration", "reintegrate deported migrants in their "
                       "countries of birth", "10000000.00", effective_date=dt.date(2026, 7, 1),
                       reference=reference).id
    for member, pledge, _ in _DEMO_SPLIT:
        subscribe(uow, fund, member, pledge, value_date=dt.date(2026, 7, 15),
                  reference=f"{member}-pledge")
    for member, _, paid in _DEMO_SPLIT:
        if paid is not None:
            contribute(uow, fund, member, paid, value_date=dt.date(2026, 8, 3),
                       reference=f"{member}-1")
    centres = approve_project(uow, fund, "reception and reintegration centres", "VEN",
                              "3500000.00", effective_date=dt.date(2026, 8, 17),
                              reference=reference).id
    jobs = approve_project(uow, fund, "job placement and seed capital", "NIC", "2500000.00",
                           effective_date=dt.date(2026, 8, 17), reference=reference).id
    refused = []
    for number, on in enumerate((dt.date(2026, 9, 1), dt.date(2026, 11, 2)), start=1):
        if number == 2:  # VCT withdrew on 1 October: its payment is refused
            refused.append(_refused(lambda: contribute(
                uow, fund, "VCT", "500000.00", value_date=dt.date(2026, 10, 15),
                reference="VCT-1")))
        disburse(uow, fund, centres, "1500000.00", value_date=on, reference=f"VEN-T{number}")
        disburse(uow, fund, jobs, "1000000.00", value_date=on, reference=f"NIC-T{number}")
    refused.append(_refused(lambda: disburse(uow, fund, centres, "600000.00",
                                             value_date=dt.date(2026, 12, 1),
                                             reference="VEN-T3")))
    report = fund_report(uow, fund)
    steps.append(
        f"the ALBA Bank's migrant reintegration fund (USD 10,000,000.00): "
        f"{format_amount(report.pledged_minor, report.fund.currency)} pledged, "
        f"{format_amount(report.paid_in_minor, report.fund.currency)} paid in, two projects "
        f"approved, {format_amount(report.disbursed_minor, report.fund.currency)} disbursed in "
        "four tranches; refused: " + "; ".join(refused))
    return report_json(report)


def _refused(attempt: Callable[[], object]) -> str:
    """Why the demo's bad movement was refused (it must be)."""
    try:
        attempt()
    except SucreError as error:
        return error.message
    raise InvariantBroken("the demo's bad movement was refused")
