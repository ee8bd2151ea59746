"""The ALBA Bank's joint funds: funds and projects decided by the council, and their movements.

A **fund** is created by a council decision (name, purpose, currency, target, effective date,
reference), e.g. the "migrant reintegration" fund of USD 10,000,000.00 of the "XII
Extraordinary Summit, 3 Feb 2025". A **project** is approved against a fund by a council
decision (name, beneficiary member state, budget). Three kinds of **movement** follow:

``subscription``
    a member state pledges an amount. A pledge is raised by a further subscription (each adds
    to it) and never lowered: projects were approved against it. Only a member *active* on the
    value date subscribes (a suspended one takes on no new commitment, AG01; a withdrawn one
    nothing, AC04), and the fund's pledges never exceed its target (the council's size of the
    fund: a larger fund is a new decision).
``contribution``
    a member state pays in. A contribution beyond the member's outstanding pledge is
    **refused**, not recorded as unpledged: the council approves projects against pledges, so
    a payment nobody pledged is most often a mistake (wrong fund, wrong member), and a member
    that means it subscribes the amount first. An active or a suspended member pays (paying
    what it pledged is always welcome); a withdrawn one does not (AC04).
``disbursement``
    a tranche paid to an approved project. Refused when it would take the fund's balance
    (paid in - disbursed) below zero or the project beyond its approved budget (AM04), or when
    the beneficiary is suspended (AG01) or withdrawn (AC04) on the tranche's value date.

Approving a project is refused when the fund's committed budgets would exceed what members
pledged (paid in + outstanding pledges): the council commits only money some member has
promised; pledges themselves are capped by the target, so ``committed <= pledged <= target``.

A fund's records (subscriptions, contributions, projects, tranches) are kept **in date order**:
each is dated on or after the fund's latest record (and its project's approval, for a tranche).
The checks above then hold at every date, so a report as of any day shows ``available >= 0``.

Each movement has a reference, its natural key in the fund and kind: the same reference again
with the same content is a replay (nothing new is written), with other content a conflict
(DUPL). Each movement is one balanced journal entry (kind ``fund``, no clearing period), in the
fund's currency, on the accounts below (a posting's amount credits the account when positive)::

    fund:<F>:pledges               the pledges made to fund F (balance: + total pledged)
    fund:<F>:pledged:<MEMBER>      MEMBER's pledge (balance: - its pledge)
    fund:<F>:cash                  the fund's money (balance: + paid in - disbursed)
    fund:<F>:contributed:<MEMBER>  MEMBER's payments (balance: - what it paid in)
    fund:<F>:disbursed:<P>         tranches paid to project P (balance: + disbursed)

A subscription moves its amount from ``pledged:<MEMBER>`` to ``pledges`` (a memorandum pair: a
promise, not money), a contribution from ``contributed:<MEMBER>`` to ``cash``, a tranche from
``cash`` to ``disbursed:<P>``. ``sucre verify`` re-derives every figure from these accounts.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sucre import bounds
from sucre.domain.errors import (
    InsufficientPosition,
    InvalidDate,
    InvalidInput,
    InvalidState,
    PartyNotActive,
    UnknownParty,
    invariant,
)
from sucre.domain.ledger import Account, EntryKind, JournalEntry, transfer
from sucre.domain.members import MemberCode, MemberStatus
from sucre.domain.money import XSU, CurrencyCode, currency, format_amount
from sucre.domain.text import stored_text

FUND_PREFIX = "fund:"


def fund_prefix(fund_id: int) -> str:
    """What every account of fund ``fund_id`` starts with."""
    return f"{FUND_PREFIX}{fund_id}:"


def pledges_account(fund_id: int) -> Account:
    return f"{fund_prefix(fund_id)}pledges"


def pledged_account(fund_id: int, member: MemberCode) -> Account:
    return f"{fund_prefix(fund_id)}pledged:{member}"


def cash_account(fund_id: int) -> Account:
    return f"{fund_prefix(fund_id)}cash"


def contributed_account(fund_id: int, member: MemberCode) -> Account:
    return f"{fund_prefix(fund_id)}contributed:{member}"


def disbursed_account(fund_id: int, project_id: int) -> Account:
    return f"{fund_prefix(fund_id)}disbursed:{project_id}"


class MovementKind(enum.StrEnum):
    SUBSCRIPTION = "subscription"  # a pledge (or its raise)
    CONTRIBUTION = "contribution"  # money paid in
    DISBURSEMENT = "disbursement"  # a tranche paid to a project


# --- text in --------------------------------------------------------------------------------

def fund_currency(text: str) -> CurrencyCode:
    """A fund's currency: one sucre knows, and hard money (not the clearing's unit, XSU)."""
    code = currency(text)
    if code == XSU:
        raise InvalidInput("a fund holds hard currency, not XSU (the clearing's unit of "
                           "account)", field="currency", reason_code="AM03")
    return code


def fund_name(text: str, field: str = "name") -> str:
    return stored_text(text, field, chars_max=bounds.fund_name_chars_max, required=True)


def movement_reference(text: str) -> str:
    """A movement's reference as stored (its natural key in the fund): required, bounded."""
    return stored_text(text, "reference", chars_max=bounds.fund_reference_chars_max,
                       required=True)


# --- records --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fund:
    """A joint fund as the council decided it (``decision_id``: the decision creating it)."""

    id: int
    name: str
    purpose: str
    currency: CurrencyCode
    target_minor: int
    effective_date: dt.date
    reference: str
    decision_id: int

    def __post_init__(self) -> None:
        invariant(self.target_minor > 0, "a fund has a positive target")


@dataclass(frozen=True, slots=True)
class Project:
    """A project the council approved against a fund, for one beneficiary member state."""

    id: int
    fund_id: int
    name: str
    beneficiary: MemberCode
    budget_minor: int
    effective_date: dt.date
    reference: str
    decision_id: int

    def __post_init__(self) -> None:
        invariant(self.budget_minor > 0, "a project has a positive budget")


@dataclass(frozen=True, slots=True)
class MovementRequest:
    """A movement as asked for: ``member`` pledges or pays, or ``project`` receives."""

    kind: MovementKind
    reference: str
    value_date: dt.date
    amount_minor: int
    member: MemberCode | None = None
    project_id: int | None = None

    def __post_init__(self) -> None:
        invariant(self.amount_minor > 0, "a movement moves a positive amount")
        invariant((self.project_id is not None) == (self.kind is MovementKind.DISBURSEMENT),
                  "exactly a disbursement names a project")
        invariant(self.member is not None or self.kind is MovementKind.DISBURSEMENT,
                  "a subscription or contribution names its member state")


@dataclass(frozen=True, slots=True)
class Movement:
    """A recorded movement with its journal entry (a disbursement's ``member``: the project's
    beneficiary)."""

    id: int
    fund_id: int
    kind: MovementKind
    reference: str
    value_date: dt.date
    amount_minor: int
    member: MemberCode
    project_id: int | None
    entry_id: int

    def same_as(self, request: MovementRequest) -> bool:
        """Whether ``request`` asks for exactly this movement (a replay)."""
        return (self.kind, self.reference, self.value_date, self.amount_minor,
                self.project_id) == (request.kind, request.reference, request.value_date,
                                     request.amount_minor, request.project_id) and (
            request.member is None or request.member == self.member)


def movement_entry(fund: Fund, request: MovementRequest, member: MemberCode) -> JournalEntry:
    """The one balanced entry a movement books (accounts in the module docstring)."""
    f, amount = fund.id, request.amount_minor
    memo = f"fund {f} {request.kind.value} {member} {request.reference}"
    if request.kind is MovementKind.SUBSCRIPTION:
        return transfer(EntryKind.FUND, None, fund.currency, amount,
                        debit=pledged_account(f, member), credit=pledges_account(f), memo=memo)
    if request.kind is MovementKind.CONTRIBUTION:
        return transfer(EntryKind.FUND, None, fund.currency, amount,
                        debit=contributed_account(f, member), credit=cash_account(f), memo=memo)
    invariant(request.project_id is not None, "a tranche names its project")
    assert request.project_id is not None  # for mypy
    return transfer(EntryKind.FUND, None, fund.currency, amount, debit=cash_account(f),
                    credit=disbursed_account(f, request.project_id), memo=memo)


# --- the figures ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MemberLine:
    member: MemberCode
    pledged_minor: int
    paid_in_minor: int

    @property
    def outstanding_minor(self) -> int:
        """What the member pledged and has not paid yet."""
        return self.pledged_minor - self.paid_in_minor


@dataclass(frozen=True, slots=True)
class ProjectLine:
    project: Project
    disbursed_minor: int

    @property
    def remaining_minor(self) -> int:
        """What the project's budget may still receive."""
        return self.project.budget_minor - self.disbursed_minor


@dataclass(frozen=True, slots=True)
class FundFigures:
    """A fund's figures as of a date, per member state (pledged, paid in) and per project
    (budget, disbursed), and in total:

    * ``pledged``: what members subscribed; ``paid_in``: what they paid; ``outstanding``:
      pledged - paid in;
    * ``committed``: the budgets of approved projects; ``uncommitted``: pledged - committed
      (what the council may still approve projects against);
    * ``disbursed``: the tranches paid; ``available``: paid in - disbursed (the fund's cash);
      ``to_disburse``: committed - disbursed.
    """

    fund: Fund
    as_of: dt.date
    members: tuple[MemberLine, ...]
    projects: tuple[ProjectLine, ...]

    @property
    def pledged_minor(self) -> int:
        return sum(line.pledged_minor for line in self.members)

    @property
    def paid_in_minor(self) -> int:
        return sum(line.paid_in_minor for line in self.members)

    @property
    def outstanding_minor(self) -> int:
        return self.pledged_minor - self.paid_in_minor

    @property
    def committed_minor(self) -> int:
        return sum(line.project.budget_minor for line in self.projects)

    @property
    def uncommitted_minor(self) -> int:
        return self.pledged_minor - self.committed_minor

    @property
    def disbursed_minor(self) -> int:
        return sum(line.disbursed_minor for line in self.projects)

    @property
    def available_minor(self) -> int:
        return self.paid_in_minor - self.disbursed_minor

    @property
    def to_disburse_minor(self) -> int:
        return self.committed_minor - self.disbursed_minor

    def member(self, code: MemberCode) -> MemberLine:
        for line in self.members:
            if line.member == code:
                return line
        return MemberLine(code, 0, 0)

    def project(self, project_id: int) -> ProjectLine:
        for line in self.projects:
            if line.project.id == project_id:
                return line
        raise UnknownParty(f"fund {self.fund.id} has no project {project_id}", field="project")

    def check(self) -> None:
        """The rules of the module docstring, as they must hold on every date."""
        invariant(self.committed_minor <= self.pledged_minor <= self.fund.target_minor,
                  f"fund {self.fund.id}: committed <= pledged <= target")
        invariant(all(0 <= m.paid_in_minor <= m.pledged_minor for m in self.members),
                  f"fund {self.fund.id}: no member paid beyond its pledge")
        invariant(all(0 <= p.disbursed_minor <= p.project.budget_minor for p in self.projects),
                  f"fund {self.fund.id}: no project received beyond its budget")
        invariant(self.available_minor >= 0, f"fund {self.fund.id}: its balance is not negative")


def figures(fund: Fund, projects: Iterable[Project], movements: Iterable[Movement],
            as_of: dt.date = dt.date.max) -> FundFigures:
    """A fund's figures from its projects and movements dated on or before ``as_of``."""
    pledged: dict[MemberCode, int] = {}
    paid: dict[MemberCode, int] = {}
    disbursed: dict[int, int] = {}
    for m in movements:
        invariant(m.fund_id == fund.id, "a fund's figures come from its own movements")
        if m.value_date > as_of:
            continue
        if m.kind is MovementKind.SUBSCRIPTION:
            pledged[m.member] = pledged.get(m.member, 0) + m.amount_minor
        elif m.kind is MovementKind.CONTRIBUTION:
            paid[m.member] = paid.get(m.member, 0) + m.amount_minor
        else:
            assert m.project_id is not None  # for mypy: a disbursement names its project
            disbursed[m.project_id] = disbursed.get(m.project_id, 0) + m.amount_minor
    members = tuple(MemberLine(code, pledged.get(code, 0), paid.get(code, 0))
                    for code in sorted(set(pledged) | set(paid)))
    lines = tuple(ProjectLine(p, disbursed.get(p.id, 0))
                  for p in sorted(projects, key=lambda p: p.id) if p.effective_date <= as_of)
    return FundFigures(fund, as_of, members, lines)


# --- the rules ------------------------------------------------------------------------------

def check_in_date_order(fund: Fund, day: dt.date, latest: dt.date | None, *,
                        field: str) -> None:
    """A fund's record is dated on or after the fund's creation and its latest record."""
    if day < fund.effective_date:
        raise InvalidDate(f"fund {fund.id} ({fund.name}) exists from {fund.effective_date}, "
                          f"not on {day}", field=field)
    if latest is not None and day < latest:
        raise InvalidDate(f"fund {fund.id}'s records are kept in date order: its latest is "
                          f"dated {latest}, so {day} is too early", field=field)


def require_member_may(action: MovementKind | None, member: MemberCode,
                       status: MemberStatus | None, day: dt.date, *, field: str) -> None:
    """Whether ``member`` (with ``status`` on ``day``) may do ``action``: subscribe (active),
    contribute (active or suspended), or (None) be a project's beneficiary and receive its
    tranches (active)."""
    if status is None:
        raise UnknownParty(f"{member} is not a member of the bloc on {day}", field=field)
    what = {MovementKind.SUBSCRIPTION: "pledges nothing new",
            MovementKind.CONTRIBUTION: "pays nothing in",
            None: "receives nothing from the fund"}.get(action, "")
    if status is MemberStatus.WITHDRAWN:
        raise PartyNotActive(f"{member} has withdrawn (its status on {day}): it {what}",
                             field=field, reason_code="AC04")
    if status is MemberStatus.SUSPENDED and action is not MovementKind.CONTRIBUTION:
        raise PartyNotActive(f"{member} is suspended on {day}: it {what}", field=field,
                             reason_code="AG01")


def check_movement(now: FundFigures, request: MovementRequest, member: MemberCode) -> None:
    """Refuse a movement that would break a rule of the fund (``now``: its figures with every
    record so far); the rules are those of the module docstring."""
    fund, amount = now.fund, request.amount_minor
    code = fund.currency
    if request.kind is MovementKind.SUBSCRIPTION:
        pledged = now.pledged_minor + amount
        if pledged > fund.target_minor:
            raise InvalidState(
                f"pledges to fund {fund.id} would reach {format_amount(pledged, code)} "
                f"{code}, beyond its target of {format_amount(fund.target_minor, code)}",
                field="amount")
    elif request.kind is MovementKind.CONTRIBUTION:
        outstanding = now.member(member).outstanding_minor
        if amount > outstanding:
            raise InvalidState(
                f"{member} has {format_amount(outstanding, code)} {code} of its pledge to fund "
                f"{fund.id} outstanding: a contribution beyond it is refused (subscribe the "
                "difference first)", field="amount")
    else:
        assert request.project_id is not None  # for mypy
        line = now.project(request.project_id)
        if amount > line.remaining_minor:
            raise InsufficientPosition(
                f"project {line.project.id} ({line.project.name}) may still receive "
                f"{format_amount(line.remaining_minor, code)} {code} of its budget of "
                f"{format_amount(line.project.budget_minor, code)}", field="amount")
        if amount > now.available_minor:
            raise InsufficientPosition(
                f"fund {fund.id} holds {format_amount(now.available_minor, code)} {code}: a "
                "tranche never takes its balance below zero", field="amount")


def check_approval(now: FundFigures, budget_minor: int) -> None:
    """Refuse a project whose budget would commit more than members pledged."""
    code = now.fund.currency
    if now.committed_minor + budget_minor > now.pledged_minor:
        raise InvalidState(
            f"fund {now.fund.id} has {format_amount(now.uncommitted_minor, code)} {code} "
            f"pledged and not yet committed: a budget of {format_amount(budget_minor, code)} "
            "would commit more than members pledged", field="budget")


def latest_record(projects: Sequence[Project], movements: Sequence[Movement]) -> dt.date | None:
    """The date of a fund's latest record (project approval or movement)."""
    dates = [p.effective_date for p in projects] + [m.value_date for m in movements]
    return max(dates, default=None)
