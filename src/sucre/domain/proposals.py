"""Council decisions as the council takes them: a proposal, one vote per member state, a tally.

A **proposal** names a kind of decision, its payload (what it would change), the date it would
take effect from, the reference of the council act (``"XII Extraordinary Summit, 3 Feb 2025"``),
who proposed it and when. Each member state **in good standing** on the day it votes (active:
admitted, neither suspended nor withdrawn) casts one vote, ``yes``, ``no`` or ``abstain``; a
second vote of the same state is refused, never replaces the first. **Adoption** tallies the
votes by the rule of the proposal's kind (:func:`tally`):

``majority`` (every kind but admissions and withdrawals)
    quorum: the votes cast (abstentions included) are at least ``vote_quorum`` of the members
    in good standing; majority: the yes votes are more than ``vote_majority`` of yes + no.
``consensus of the others`` (admission, withdrawal: the treaty's rule)
    every member in good standing other than the one concerned voted, and none voted no.

The quorum and majority shares are council parameters (:mod:`sucre.domain.parameters`), read on
the day of the tally; the members counted are those in good standing that day, and only their
votes count. Adopted, the decision is recorded in the decision log (:mod:`sucre.domain.decisions`)
and its effect applied from its effective date; not adopted, the proposal is closed as rejected
and nothing else changes. Either way the proposal is closed for good: a new vote is a new
proposal, and a later decision supersedes an earlier one (nothing is edited).

Everything here is pure: the records, the payload each kind takes (checked when proposed), and
the tally.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from sucre import bounds
from sucre.domain import funds, parameters, petrocaribe
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import AmountTooLarge, InvalidAmount, InvalidInput, ZeroAmount, invariant
from sucre.domain.members import MemberCode, authority_code, authority_currency, member_code
from sucre.domain.money import XSU, CurrencyCode, currency, format_amount, parse_amount
from sucre.domain.rates import parse_rate
from sucre.domain.text import stored_text


class ProposalKind(enum.StrEnum):
    ALLOCATION = "allocation"  # XSU and an FRCC credit line for a central bank
    PARAMETER = "parameter"  # a council parameter
    BASKET = "basket"  # the XSU basket's weights, from a launch date (the effective date)
    SUSPENSION = "suspension"
    REINSTATEMENT = "reinstatement"
    WITHDRAWAL = "withdrawal"
    ADMISSION = "admission"  # a new member state (and, if new, its monetary authority)
    FUND = "fund"  # a joint fund of the ALBA Bank (domain/funds.py)
    PROJECT = "project"  # a project approved against a fund, for a beneficiary member state
    PETROCARIBE_TERMS = "petrocaribe_terms"  # a PetroCaribe tier table (supersedes the last)
    PETROCARIBE_BUYBACK = "petrocaribe_buyback"  # a member's PetroCaribe debt bought back


class Rule(enum.StrEnum):
    MAJORITY = "majority"
    CONSENSUS_OF_OTHERS = "consensus_of_others"


#: The rule each kind is adopted by.
RULES: Final[Mapping[ProposalKind, Rule]] = {
    kind: (Rule.CONSENSUS_OF_OTHERS if kind in (ProposalKind.ADMISSION, ProposalKind.WITHDRAWAL)
           else Rule.MAJORITY) for kind in ProposalKind}


class Ballot(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class ProposalState(enum.StrEnum):
    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"


class Outcome(enum.StrEnum):
    ADOPTED = "adopted"
    NO_QUORUM = "no_quorum"
    NO_MAJORITY = "no_majority"
    NO_CONSENSUS = "no_consensus"


def proposal_kind(text: str) -> ProposalKind:
    try:
        return ProposalKind(text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ProposalKind)
        raise InvalidInput(f"unknown kind of proposal {text!r} (one of {kinds})",
                           field="kind") from None


def ballot(text: str) -> Ballot:
    try:
        return Ballot(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"a vote is yes, no or abstain, not {text!r}", field="vote") from None


# --- what each kind takes -------------------------------------------------------------------

#: Per kind: the payload fields a proposal gives as text (required ones first), as the CLI's
#: options and the API's ``payload`` object name them.
FIELDS: Final[Mapping[ProposalKind, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    ProposalKind.ALLOCATION: (("authority", "allocation"), ("credit_line",)),
    ProposalKind.PARAMETER: (("name", "value"), ()),
    ProposalKind.BASKET: (("weights",), ("usd_per_xsu",)),
    ProposalKind.SUSPENSION: (("member",), ()),
    ProposalKind.REINSTATEMENT: (("member",), ()),
    ProposalKind.WITHDRAWAL: (("member",), ()),
    ProposalKind.ADMISSION: (("member", "name", "authority"), ("authority_name", "currency")),
    ProposalKind.FUND: (("name", "purpose", "target"), ("currency",)),
    ProposalKind.PROJECT: (("fund", "name", "beneficiary", "budget"), ()),
    ProposalKind.PETROCARIBE_TERMS: (("tiers", "regimes"), ("cash_days", "instalments_per_year")),
    ProposalKind.PETROCARIBE_BUYBACK: (("member", "price"), ("loans",)),
}


def fields_help() -> str:
    """One line per kind: the payload fields it takes (optional ones in brackets)."""
    return "\n".join(
        f"{kind.value}: {' '.join(required)}"
        f"{''.join(f' [{name}]' for name in optional)} ({RULES[kind].value.replace('_', ' ')})"
        for kind, (required, optional) in FIELDS.items())


def proposal_payload(kind: ProposalKind, given: Mapping[str, str]) -> dict[str, Any]:
    """The payload of a ``kind`` proposal, from its fields as text, checked and typed as the
    decision will record it (amounts in minor units, ratios as fractions); a field the kind does
    not take, or a missing or bad one, is refused."""
    required, optional = FIELDS[kind]
    unknown = sorted(set(given) - set(required) - set(optional))
    if unknown:
        raise InvalidInput(f"a {kind.value} proposal takes no {unknown[0]!r} (it takes "
                           f"{', '.join(required + optional)})", field=unknown[0])
    for name in required:
        if not str(given.get(name, "")).strip():
            raise InvalidInput(f"a {kind.value} proposal needs {name}", field=name)
    text = {name: str(value) for name, value in given.items()}
    return _TYPED.get(kind, _member_payload)(text)


def _allocation_payload(text: Mapping[str, str]) -> dict[str, Any]:
    return {"authority": authority_code(text["authority"]),
            "allocation_minor": parse_amount(text["allocation"], XSU, field="allocation",
                                             allow_zero=True),
            "credit_line_minor": parse_amount(text.get("credit_line", "0"), XSU,
                                              field="credit_line", allow_zero=True)}


def _parameter_payload(text: Mapping[str, str]) -> dict[str, Any]:
    name = text["name"].strip()
    return {"name": name, "value": parameters.decided_text(name, text["value"])}


def _basket_payload(text: Mapping[str, str]) -> dict[str, Any]:
    return {"launch_usd_per_xsu": str(parse_rate(text.get("usd_per_xsu", "1.25"),
                                                 field="usd_per_xsu")),
            "weights": {c: str(w) for c, w in basket_weights(text["weights"]).items()}}


def _admission_payload(text: Mapping[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "member": member_code(text["member"]),
        "name": stored_text(text["name"], "name", chars_max=bounds.party_name_chars_max,
                            required=True),
        "authority": authority_code(text["authority"])}
    if ("currency" in text) != ("authority_name" in text):
        raise InvalidInput("a new monetary authority takes both authority_name and currency "
                           "(an existing one neither)", field="currency")
    if "currency" in text:
        payload["currency"] = authority_currency(text["currency"])
        payload["authority_name"] = stored_text(
            text["authority_name"], "authority_name", chars_max=bounds.party_name_chars_max,
            required=True)
    return payload


def _member_payload(text: Mapping[str, str]) -> dict[str, Any]:
    return {"member": member_code(text["member"])}


def fund_payload(text: Mapping[str, str]) -> dict[str, Any]:
    """A fund's decision as recorded: name, purpose, currency (USD unless given), target."""
    code = funds.fund_currency(text.get("currency", "USD"))
    target_minor = parse_amount(text["target"], code, field="target")
    return {"name": funds.fund_name(text["name"]),
            "purpose": stored_text(text["purpose"], "purpose", chars_max=bounds.text_chars_max,
                                   required=True),
            "currency": code, "target": format_amount(target_minor, code),
            "target_minor": target_minor}


def project_payload(text: Mapping[str, str]) -> dict[str, Any]:
    """A project's proposal: its budget stays decimal text until the fund (and so the currency
    it is counted in) is read (:func:`sucre.service.funds.approve_project`)."""
    fund = text["fund"].strip()
    if not (fund.isascii() and fund.isdigit() and 0 < int(fund) <= bounds.row_id_max):
        raise InvalidInput(f"{text['fund']!r} is not a fund's id", field="fund")
    budget = parse_decimal(text["budget"], field="budget", error=InvalidAmount,
                           too_large=AmountTooLarge)
    if not budget.units:
        raise ZeroAmount("a project's budget is greater than zero", field="budget")
    return {"fund": int(fund), "name": funds.fund_name(text["name"]),
            "beneficiary": member_code(text["beneficiary"], field="beneficiary"),
            "budget": budget.text}


def _petrocaribe_buyback_payload(text: Mapping[str, str]) -> dict[str, Any]:
    return petrocaribe.buyback_payload(text["member"], text.get("loans", "all"), text["price"])


def _petrocaribe_terms_payload(text: Mapping[str, str]) -> dict[str, Any]:
    return petrocaribe.table_json(petrocaribe.TermsTable(
        petrocaribe.parse_tiers(text["tiers"]), petrocaribe.parse_regimes(text["regimes"]),
        _whole(text.get("cash_days", "90"), "cash_days"),
        _whole(text.get("instalments_per_year", "2"), "instalments_per_year")))


def _whole(text: str, field: str) -> int:
    value = parse_decimal(text, field=field, what="a whole number").scaled(0)
    if value is None or value > 10**6:
        raise InvalidInput(f"{field} is a whole number", field=field)
    return value


#: The payload of each kind but the status changes (:func:`_member_payload`).
_TYPED: Final[Mapping[ProposalKind, Callable[[Mapping[str, str]], dict[str, Any]]]] = {
    ProposalKind.ALLOCATION: _allocation_payload, ProposalKind.PARAMETER: _parameter_payload,
    ProposalKind.BASKET: _basket_payload, ProposalKind.ADMISSION: _admission_payload,
    ProposalKind.FUND: fund_payload, ProposalKind.PROJECT: project_payload,
    ProposalKind.PETROCARIBE_TERMS: _petrocaribe_terms_payload,
    ProposalKind.PETROCARIBE_BUYBACK: _petrocaribe_buyback_payload}


def basket_weights(text: str) -> dict[CurrencyCode, Fraction]:
    """``VES=0.4,CUP=0.2,...``: each currency's weight in the basket."""
    weights: dict[CurrencyCode, Fraction] = {}
    for item in text.split(","):
        code, _, value = item.partition("=")
        weights[currency(code, field="weights")] = parse_rate(value, field="weights")
    return weights


def subject_member(kind: ProposalKind, payload: Mapping[str, Any]) -> MemberCode | None:
    """The member state a proposal is about (whose consensus of the others it needs)."""
    member = payload.get("member")
    return None if member is None or kind not in (
        ProposalKind.SUSPENSION, ProposalKind.REINSTATEMENT, ProposalKind.WITHDRAWAL,
        ProposalKind.ADMISSION) else MemberCode(str(member))


# --- records --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Vote:
    """One member state's vote on a proposal, with who cast it (the API key, or the CLI)."""

    proposal_id: int
    member: MemberCode
    ballot: Ballot
    cast_by: str
    cast_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Tally:
    """The count of a proposal's votes by its rule, and the outcome."""

    rule: Rule
    eligible: int  # members in good standing (for consensus: other than the one concerned)
    yes: int
    no: int
    abstain: int
    quorum: Fraction
    majority: Fraction
    outcome: Outcome

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def adopted(self) -> bool:
        return self.outcome is Outcome.ADOPTED


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal as recorded: once closed, with the tally that closed it, and adopted, with
    the decision it recorded."""

    id: int
    kind: ProposalKind
    payload: Mapping[str, Any]
    effective_date: dt.date
    reference: str
    proposed_by: str
    proposed_at: dt.datetime
    state: ProposalState = ProposalState.OPEN
    tally: Tally | None = None
    closed_by: str | None = None
    closed_at: dt.datetime | None = None
    decision_id: int | None = None

    def __post_init__(self) -> None:
        invariant((self.state is ProposalState.OPEN) == (self.tally is None),
                  "a proposal is closed by a tally")
        invariant(self.tally is None or self.tally.adopted == (self.state is ProposalState.ADOPTED),
                  "a proposal is adopted exactly when its tally adopts it")
        invariant((self.state is ProposalState.ADOPTED) == (self.decision_id is not None),
                  "an adopted proposal, and only one, is linked to its decision")

    @property
    def subject(self) -> MemberCode | None:
        return subject_member(self.kind, self.payload)


def tally(kind: ProposalKind, votes: Mapping[MemberCode, Ballot],
          in_good_standing: Collection[MemberCode], *, subject: MemberCode | None,
          quorum: Fraction, majority: Fraction) -> Tally:
    """Count ``votes`` by the rule of ``kind``: only the votes of members ``in_good_standing``
    count (a member suspended or withdrawn since it voted no longer does)."""
    invariant(0 < quorum <= 1 and Fraction(1, 2) <= majority < 1,
              "the council's shares are those parameters accept")
    rule = RULES[kind]
    voters = set(in_good_standing)
    if rule is Rule.CONSENSUS_OF_OTHERS:
        voters.discard(subject)
    counted = [b for member, b in votes.items() if member in voters]
    yes, no = counted.count(Ballot.YES), counted.count(Ballot.NO)
    abstain = counted.count(Ballot.ABSTAIN)
    if rule is Rule.CONSENSUS_OF_OTHERS:
        outcome = (Outcome.ADOPTED if voters and len(counted) == len(voters) and not no
                   else Outcome.NO_CONSENSUS)
    elif not voters or Fraction(len(counted), len(voters)) < quorum:
        outcome = Outcome.NO_QUORUM
    elif yes + no == 0 or Fraction(yes, yes + no) <= majority:
        outcome = Outcome.NO_MAJORITY
    else:
        outcome = Outcome.ADOPTED
    return Tally(rule, len(voters), yes, no, abstain, quorum, majority, outcome)
