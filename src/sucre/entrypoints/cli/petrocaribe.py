"""``sucre petrocaribe ...``: concessional oil supply, its loans, repaid in cash and in goods.

The command line is the local administrator: it records the chamber's acts (agreements,
shipments, deliveries, repayments) and the council's tier tables directly. A buy-back is
consequential: ``buyback`` proposes it with a council API key (``SUCRE_API_KEY``) and a key of
another council client runs it with ``sucre approve ID`` (four eyes, as over the API); the
council may also vote it (``sucre propose petrocaribe_buyback --payload ...``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre.domain.money import USD, format_amount
from sucre.domain.petrocaribe import (
    TermsTable,
    buyback_payload,
    parse_regimes,
    parse_tiers,
    price_minor,
    terms_json,
)
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    ApiKeyOption,
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
    record_table,
    say,
)
from sucre.service import four_eyes, petrocaribe

app = typer.Typer(help="PetroCaribe: tier tables, supply agreements, shipments, loans repaid in "
                       "cash and in goods, buy-backs, the portfolio.", no_args_is_help=True)

_Date = Annotated[str, typer.Option("--date", help="Value date, YYYY-MM-DD.")]
_Reference = Annotated[str, typer.Option(help="Reference (a payment's, or the council act's).")]


def _as_of(text: str | None) -> dt.date:
    return console.today() if text is None else console.day(text, "as_of")


def _print(document: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        emit_json(document)
    else:
        out.print(record_table(title, {k: v for k, v in document.items()
                                       if not isinstance(v, (list, dict))}))


@app.command()
def terms(price: Annotated[str, typer.Option(help="Price per barrel, USD, e.g. 97.00.")],
          date: _Date, database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The financing terms a shipment at PRICE gets on DATE (the tier table in force). Below
    the lowest tier (15 USD) nothing is financed: financed_share 0.00."""
    with domain_errors():
        cents = price_minor(price)
        found = petrocaribe.terms_on(console.unit_of_work(database), cents,
                                     console.day(date, "date"))
    document = terms_json(found, cents)
    _print({**document, "decision": f"{found.decision_id}: {found.reference}"}
           if not as_json else document, as_json, f"PetroCaribe terms on {date}")


@app.command("decide-terms")
def decide_terms(
        tiers: Annotated[str, typer.Option(help="PRICE=SHARE,..., e.g. 15=0.05,...,100=0.60,"
                                                "high=0.70 (high: the council parameter "
                                                "petrocaribe_high_threshold).")],
        regimes: Annotated[str, typer.Option(help="PRICE=YEARS/GRACE/RATE,..., e.g. "
                                                  "0=17/2/0.02,40=25/2/0.01.")],
        effective: Annotated[str, typer.Option(help="Effective date, YYYY-MM-DD.")],
        reference: _Reference,
        cash_days: Annotated[int, typer.Option(min=0, max=3650)] = 90,
        per_year: Annotated[int, typer.Option(help="Instalments per year: 1, 2, 4 or 12.")] = 2,
        database: DatabaseOption = None) -> None:
    """The council decides a tier table from a date on (it supersedes the one in force)."""
    with domain_errors():
        table = TermsTable(parse_tiers(tiers), parse_regimes(regimes), cash_days, per_year)
        decision = petrocaribe.decide_terms(console.unit_of_work(database), table,
                                            console.day(effective, "effective"), reference)
    say(out, f"tier table recorded as decision {decision}, in force from {effective}")


@app.command()
def agreement(member: Annotated[str, typer.Argument(help="Beneficiary member state, e.g. DMA.")],
              signed: Annotated[str, typer.Option(help="Signature date, YYYY-MM-DD.")],
              reference: _Reference,
              code: Annotated[str | None, typer.Option(
                  help="The agreement's code (default PC-MEMBER).")] = None,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A supply agreement between Venezuela (the supplier) and MEMBER (active that day)."""
    with domain_errors():
        recorded, new = petrocaribe.add_agreement(
            console.unit_of_work(database), code or f"PC-{member.strip().upper()}", member,
            console.day(signed, "signed"), reference)
    _print({**petrocaribe.agreement_json(recorded), "new": new}, as_json,
           f"supply agreement {recorded.code}")


@app.command()
def shipment(agreement_code: Annotated[str, typer.Argument(metavar="AGREEMENT")],
             cargo_id: Annotated[str, typer.Argument(metavar="CARGO_ID")],
             date: _Date,
             barrels: Annotated[str, typer.Option(help="Barrels shipped (> 0).")],
             price: Annotated[str, typer.Option(help="Price per barrel, USD with cents.")],
             database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A cargo shipped: its bill split into the cash part and a loan with its schedule."""
    with domain_errors():
        shipped = petrocaribe.ship(console.unit_of_work(database), agreement_code, cargo_id,
                                   console.day(date, "date"), barrels, price)
    document = petrocaribe.shipment_json(shipped)
    if as_json:
        emit_json(document)
        return
    _print(document, False, f"shipment {shipped.shipment.cargo_id}")
    if shipped.schedule:
        first = shipped.schedule[shipped.terms.grace_years * shipped.terms.per_year]
        principal = format_amount(first.principal_minor, USD)
        say(out, f"loan {document['loan']}: {len(shipped.schedule)} instalments, the first "
                 f"repaying principal on {first.due_date}: {principal} principal + "
                 f"{format_amount(first.interest_minor, USD)} interest")


@app.command()
def deliver(reference: Annotated[str, typer.Option(help="The delivery's reference (unique).")],
            date: _Date,
            hs_code: Annotated[str, typer.Option(help="HS code, 6 digits (100630: rice).")],
            quantity: Annotated[str, typer.Option(help="Quantity delivered.")],
            unit: Annotated[str, typer.Option(help="Unit, e.g. t.")],
            unit_price: Annotated[str, typer.Option(help="Agreed price per unit, USD.")],
            exporter: Annotated[str, typer.Option(help="Exporter firm code (sucre firm).")],
            importer: Annotated[str, typer.Option(help="Importer in Venezuela.")],
            certificate: Annotated[str, typer.Option(help="Certificate of origin number.")],
            certificate_exporter: Annotated[str, typer.Option(
                help="The exporter the certificate names.")],
            certificate_country: Annotated[str, typer.Option(
                help="The country of origin the certificate names.")],
            loan: Annotated[int | None, typer.Argument(
                min=1, help="The loan repaid (or give --agreement).")] = None,
            agreement: Annotated[str | None, typer.Option(
                help="Repay the loans of this agreement instead, oldest first.")] = None,
            database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Goods delivered in repayment at agreed prices, of LOAN or of the loans of an agreement:
    origin-checked, credited to the oldest instalments (interest first), and stored as a
    trade invoice for set-off."""
    goods = petrocaribe.Goods(reference, hs_code, quantity, unit, unit_price, exporter,
                              importer, certificate, certificate_exporter, certificate_country)
    with domain_errors():
        delivery = petrocaribe.deliver(console.unit_of_work(database), loan, goods,
                                       console.day(date, "date"), agreement=agreement)
    _print(petrocaribe.delivery_json(delivery), as_json, f"delivery {delivery.reference}")


@app.command()
def repay(amount: Annotated[str, typer.Option(help="USD paid.")], date: _Date,
          reference: _Reference,
          loan: Annotated[int | None, typer.Option(min=1, help="A loan repaid in cash.")] = None,
          cargo: Annotated[str | None, typer.Option(help="A bill whose cash part is paid.")
                           ] = None,
          early: Annotated[bool, typer.Option(
              "--early", help="Repay the loan in full before its term: the amount is exactly "
                              "what is due by DATE and the principal after it.")] = False,
          database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A cash payment: of a loan (its oldest instalments, interest first) or of a bill's cash
    part."""
    with domain_errors():
        uow = console.unit_of_work(database)
        if (loan is None) == (cargo is None):
            from sucre.domain.errors import InvalidInput
            raise InvalidInput("give --loan or --cargo (one of them)", field="loan")
        day = console.day(date, "date")
        if loan is not None:
            movement = petrocaribe.repay(uow, loan, amount, day, reference, early=early)
        else:
            assert cargo is not None
            movement = petrocaribe.pay_cash_part(uow, cargo, amount, day, reference)
    _print(petrocaribe.movement_json(movement), as_json, f"payment {movement.reference}")


@app.command()
def buyback(member: Annotated[str, typer.Argument(help="The member whose debt is bought back.")],
            price: Annotated[str, typer.Option(help="Price paid, USD.")],
            effective: Annotated[str, typer.Option(help="Date of the buy-back, YYYY-MM-DD.")],
            reference: _Reference,
            loans: Annotated[str, typer.Option(help="all, or loan ids: 1,2,3.")] = "all",
            api_key: ApiKeyOption = None,
            database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Propose the council's buy-back of a member's loans at a discount (four eyes: a council
    key proposes, a key of another council client runs it with `sucre approve ID`)."""
    with domain_errors():
        uow = console.unit_of_work(database)
        proposer = console.principal(uow, api_key, needed_for="a buy-back")
        action = four_eyes.propose_buyback(uow, proposer, buyback_payload(member, loans, price),
                                           console.day(effective, "effective"), reference)
    if as_json:
        emit_json(four_eyes.action_json(action))
        return
    say(out, f"buy-back proposed by {action.proposed_by.name} as pending action {action.id}; "
             f"a key of another council client runs it with `sucre approve {action.id}`")


@app.command()
def loan(number: Annotated[int, typer.Argument(min=1, metavar="N")],
         as_of: Annotated[str | None, typer.Option(help="Date of arrears (default today).")
                          ] = None,
         database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """One loan: its terms, schedule, what was credited to each instalment, arrears."""
    with domain_errors():
        view = petrocaribe.loan_view(console.unit_of_work(database), number, _as_of(as_of))
    document = petrocaribe.loan_json(view)
    if as_json:
        emit_json(document)
        return
    _print(document, False, f"PetroCaribe loan {number}")
    table = Table("#", "due", "principal", "interest", "paid", "waived", "owed")
    for line in document["instalments"]:
        paid = format_amount(int(line["principal_paid"].replace(".", ""))
                             + int(line["interest_paid"].replace(".", "")), USD)
        table.add_row(str(line["number"]), line["due_date"], line["principal"],
                      line["interest"], paid, line["interest_waived"], line["owed"])
    out.print(table)


@app.command()
def portfolio(member: Annotated[str | None, typer.Argument(help="One member (default all).")
                                ] = None,
              as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The PetroCaribe portfolio per member and for the bloc: face value, outstanding, repaid
    in cash and in goods (by HS code), discount written off, arrears, interest, schedule
    ahead (USD)."""
    with domain_errors():
        document = petrocaribe.portfolio(console.unit_of_work(database), _as_of(as_of), member)
    if as_json:
        emit_json(document)
        return
    table = Table("member", "loans", "face value", "outstanding", "repaid cash", "repaid goods",
                  "discount", "arrears", "interest paid", title=f"PetroCaribe portfolio, "
                  f"{document['as_of']} (USD)", title_justify="left")
    rows = [*document["members"].items(), ("bloc", document["bloc"])]
    for name, f in rows:
        table.add_row(cell(name), str(f["loans"]), f["face_value"], f["outstanding"],
                      f["repaid_in_cash"], f["repaid_in_goods"], f["discount_written_off"],
                      f["arrears"], f["interest"]["paid"])
    out.print(table)


def register(main: typer.Typer) -> None:
    """Add ``petrocaribe`` to the main app."""
    main.add_typer(app, name="petrocaribe")
