"""PetroCaribe: tier tables, supply agreements, shipments, loans repaid in cash and in goods,
buy-backs, the portfolio; and the register of firms.

Who may (see :mod:`sucre.domain.roles`): the council decides tier tables and proposes buy-backs
(four eyes: a key of another council client approves with
``POST /v1/pending-actions/{id}/approve``); the chamber records agreements, shipments,
deliveries, repayments and firms; every role but the delegate reads terms, loans, the portfolio
and firms, an operator only the loans of the member states its authority serves (another
member's loan is 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bootstrap, bounds
from sucre.domain.errors import NotFound
from sucre.domain.petrocaribe import (
    TermsTable,
    buyback_payload,
    parse_regimes,
    parse_tiers,
    price_minor,
    terms_json,
)
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.fields import IsoDate, MemberText
from sucre.entrypoints.api.schemas.four_eyes import PendingActionOut
from sucre.entrypoints.api.schemas.petrocaribe import (
    AgreementIn,
    AgreementOut,
    BuyBackIn,
    CashPartIn,
    DeliveryIn,
    DeliveryOut,
    FirmIn,
    FirmListOut,
    FirmOut,
    LoanOut,
    MovementOut,
    PortfolioOut,
    RepaymentIn,
    ShipmentIn,
    ShipmentOut,
    TermsDecisionOut,
    TermsIn,
    TermsOut,
)
from sucre.service import access, four_eyes, petrocaribe

router = APIRouter(prefix="/v1", tags=["petrocaribe"])

Decider = Annotated[Grant, Depends(allowed(Permission.DECIDE_PETROCARIBE))]
Recorder = Annotated[Grant, Depends(allowed(Permission.RECORD_PETROCARIBE))]
Reader = Annotated[Grant, Depends(allowed(Permission.READ_PETROCARIBE))]
LoanId = Annotated[int, Path(ge=1, le=bounds.row_id_max, description="The loan's id.")]
AgreementPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,32}$",
                                    description="The supply agreement's code.")]
AsOf = Annotated[IsoDate | None, Query(description="Date of arrears (default today).")]
_ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
_READ_ERRORS = responses(401, 403, 404, 409, 422)


def _today() -> dt.date:
    return bootstrap.today() or dt.datetime.now(dt.UTC).date()


@router.get("/petrocaribe/terms", response_model=TermsOut, responses=_READ_ERRORS,
            summary="The financing terms of a price per barrel on a date")
def terms(caller: Reader, db: UnitOfWorkDep,
          price: Annotated[str, Query(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
                                      description="USD per barrel, e.g. 97.00.")],
          date: Annotated[IsoDate, Query(description="The shipment's value date.")]
          ) -> TermsOut:
    """The tier table in force on ``date`` (the council's decision, with its reference) applied
    to ``price``: below the lowest tier (15 USD) nothing is financed (``0.00``)."""
    cents = price_minor(price)
    return TermsOut.model_validate(terms_json(petrocaribe.terms_on(db, cents, date), cents))


@router.post("/petrocaribe/terms", status_code=201, response_model=TermsDecisionOut,
             responses=_ERRORS, summary="Decide a tier table from a date on")
def decide_terms(body: TermsIn, caller: Decider, db: UnitOfWorkDep,
                 idempotent: IdempotentDep) -> Response:
    """A council decision: it supersedes the table in force from ``effective_date`` on."""

    def action() -> tuple[int, TermsDecisionOut]:
        table = TermsTable(parse_tiers(body.tiers), parse_regimes(body.regimes),
                           body.cash_days, body.instalments_per_year)
        decision = petrocaribe.decide_terms(db, table, body.effective_date, body.reference)
        return 201, TermsDecisionOut(decision=decision, effective_date=body.effective_date,
                                     reference=body.reference)

    return idempotent.run(action)


@router.post("/petrocaribe/agreements", status_code=201, response_model=AgreementOut,
             responses=_ERRORS, summary="Record a supply agreement")
def agreement(body: AgreementIn, caller: Recorder, db: UnitOfWorkDep,
              idempotent: IdempotentDep) -> Response:
    """Between Venezuela and ``member``, active on ``signed_on``; the same agreement again is
    answered as recorded (``new`` false), another under a taken code is 409."""

    def action() -> tuple[int, AgreementOut]:
        recorded, new = petrocaribe.add_agreement(db, body.code, body.member, body.signed_on,
                                                  body.reference)
        return 201, AgreementOut.model_validate(
            {**petrocaribe.agreement_json(recorded), "new": new})

    return idempotent.run(action)


@router.post("/petrocaribe/shipments", status_code=201, response_model=ShipmentOut,
             responses=_ERRORS, summary="Record a shipment: its bill, cash part and loan")
def shipment(body: ShipmentIn, caller: Recorder, db: UnitOfWorkDep,
             idempotent: IdempotentDep) -> Response:
    """barrels x price, exactly (a bill that is not whole cents is 422), split by the terms in
    force on ``value_date``; a cargo id already recorded is 409."""

    def action() -> tuple[int, ShipmentOut]:
        shipped = petrocaribe.ship(db, body.agreement, body.cargo_id, body.value_date,
                                   body.barrels, body.price)
        return 201, ShipmentOut.model_validate(petrocaribe.shipment_json(shipped))

    return idempotent.run(action)


@router.post("/petrocaribe/cash-payments", status_code=201, response_model=MovementOut,
             responses=_ERRORS, summary="Record a payment of a bill's cash part")
def cash_payment(body: CashPartIn, caller: Recorder, db: UnitOfWorkDep,
                 idempotent: IdempotentDep) -> Response:
    def action() -> tuple[int, MovementOut]:
        movement = petrocaribe.pay_cash_part(db, body.cargo_id, body.amount, body.value_date,
                                             body.reference)
        return 201, MovementOut.model_validate(petrocaribe.movement_json(movement))

    return idempotent.run(action)


@router.post("/petrocaribe/loans/{loan_id}/repayments", status_code=201,
             response_model=MovementOut, responses=_ERRORS,
             summary="Record a cash repayment of a loan (or its early repayment)")
def repayment(loan_id: LoanId, body: RepaymentIn, caller: Recorder, db: UnitOfWorkDep,
              idempotent: IdempotentDep) -> Response:
    """Credited to the oldest instalments, interest first; ``early``: the loan in full."""

    def action() -> tuple[int, MovementOut]:
        movement = petrocaribe.repay(db, loan_id, body.amount, body.value_date, body.reference,
                                     early=body.early)
        return 201, MovementOut.model_validate(petrocaribe.movement_json(movement))

    return idempotent.run(action)


@router.post("/petrocaribe/loans/{loan_id}/deliveries", status_code=201,
             response_model=DeliveryOut, responses=_ERRORS,
             summary="Record goods delivered in repayment of a loan")
def delivery(loan_id: LoanId, body: DeliveryIn, caller: Recorder, db: UnitOfWorkDep,
             idempotent: IdempotentDep) -> Response:
    """Origin-checked (the exporter registered in the debtor member state, named by the
    certificate with that country; 409 with the reason otherwise, nothing credited), credited
    to the oldest instalments (interest first) and stored as a trade invoice for set-off."""

    def action() -> tuple[int, DeliveryOut]:
        recorded = petrocaribe.deliver(db, loan_id, _goods(body), body.value_date)
        return 201, DeliveryOut.model_validate(petrocaribe.delivery_json(recorded))

    return idempotent.run(action)


@router.post("/petrocaribe/agreements/{code}/deliveries", status_code=201,
             response_model=DeliveryOut, responses=_ERRORS,
             summary="Record goods delivered in repayment of an agreement's loans")
def agreement_delivery(code: AgreementPath, body: DeliveryIn, caller: Recorder,
                       db: UnitOfWorkDep, idempotent: IdempotentDep) -> Response:
    """As for one loan, credited to the agreement's loans oldest first."""

    def action() -> tuple[int, DeliveryOut]:
        recorded = petrocaribe.deliver(db, None, _goods(body), body.value_date, agreement=code)
        return 201, DeliveryOut.model_validate(petrocaribe.delivery_json(recorded))

    return idempotent.run(action)


def _goods(body: DeliveryIn) -> petrocaribe.Goods:
    return petrocaribe.Goods(body.reference, body.hs_code, body.quantity, body.unit,
                             body.unit_price, body.exporter, body.importer, body.certificate,
                             body.certificate_exporter, body.certificate_country)


@router.post("/petrocaribe/buybacks", status_code=202, response_model=PendingActionOut,
             responses=_ERRORS, summary="Propose a buy-back of a member's loans (four eyes)")
def buyback(body: BuyBackIn, caller: Decider, db: UnitOfWorkDep,
            idempotent: IdempotentDep) -> Response:
    """Proposed by this council key (202, the pending action; refused at once when it would
    be), run when a key of another council client approves it: the price is booked as a
    repayment, the rest of the face value as a discount, never as a payment."""

    def action() -> tuple[int, PendingActionOut]:
        proposed = four_eyes.propose_buyback(
            db, caller.principal, buyback_payload(body.member, body.loans, body.price),
            body.effective_date, body.reference)
        return 202, PendingActionOut.of(proposed)

    return idempotent.run(action)


@router.get("/petrocaribe/loans/{loan_id}", response_model=LoanOut, responses=_READ_ERRORS,
            summary="One loan: schedule, credits, arrears")
def loan(loan_id: LoanId, caller: Reader, db: UnitOfWorkDep, as_of: AsOf = None) -> LoanOut:
    view = petrocaribe.loan_view(db, loan_id, as_of or _today(),
                                 members=access.member_states_seen(db, caller))
    return LoanOut.model_validate(petrocaribe.loan_json(view))


@router.get("/petrocaribe/portfolio", response_model=PortfolioOut, responses=_READ_ERRORS,
            summary="The portfolio per member and for the bloc")
def portfolio(caller: Reader, db: UnitOfWorkDep, as_of: AsOf = None,
              member: Annotated[MemberText | None, Query(description="One member.")] = None
              ) -> PortfolioOut:
    """Face value, outstanding, repaid in cash and in goods (by HS code), discount written
    off, arrears, interest, schedule ahead; an operator's covers its member states only."""
    document = petrocaribe.portfolio(db, as_of or _today(), member,
                                     members=access.member_states_seen(db, caller))
    return PortfolioOut.model_validate(document)


@router.post("/firms", status_code=201, response_model=FirmOut, responses=_ERRORS,
             summary="Register a firm in a member state")
def add_firm(body: FirmIn, caller: Recorder, db: UnitOfWorkDep,
             idempotent: IdempotentDep) -> Response:
    def action() -> tuple[int, FirmOut]:
        firm, _ = petrocaribe.add_firm(db, body.code, body.name, body.member,
                                       body.registered_on)
        return 201, FirmOut.model_validate(petrocaribe.firm_json(firm))

    return idempotent.run(action)


@router.get("/firms", response_model=FirmListOut, responses=_READ_ERRORS,
            summary="The registered firms")
def firms(caller: Reader, db: UnitOfWorkDep,
          member: Annotated[MemberText | None, Query(description="One member's.")] = None
          ) -> FirmListOut:
    if member is not None and (visible := access.member_states_seen(db, caller)) is not None \
            and member.upper() not in visible:
        raise NotFound(f"no firms of {member.upper()} are visible to you", field="member")
    return FirmListOut.model_validate(
        {"firms": [petrocaribe.firm_json(f) for f in petrocaribe.list_firms(db, member)]})
