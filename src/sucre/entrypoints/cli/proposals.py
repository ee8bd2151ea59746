"""The council's voted path: ``propose``, ``vote``, ``adopt``, ``proposals``, ``proposal`` and
``decision`` (one decision, its votes and what it changed).

The command line is the local administrator: ``sucre vote N --member VEN yes`` records the vote
a member state's delegation gave (over the API a delegate's key votes for its own state only).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre import bootstrap, bounds
from sucre.domain.errors import InvalidInput
from sucre.domain.proposals import ProposalState, Tally, ballot, fields_help
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
    record_table,
    say,
)
from sucre.service import council

_Text = Annotated[str | None, typer.Option()]


def _today() -> dt.date:
    return bootstrap.today() or dt.datetime.now(dt.UTC).date()


def propose(
    kind: Annotated[str, typer.Argument(help="allocation, parameter, basket, suspension, "
                                             "reinstatement, withdrawal, admission, fund, "
                                             "project, petrocaribe_terms or "
                                             "petrocaribe_buyback (their fields as --payload "
                                             "JSON).")],
    effective: Annotated[str, typer.Option("--effective", help="Effective date, YYYY-MM-DD.")],
    reference: Annotated[str, typer.Option(help="Reference of the council act, e.g. \"XII "
                                                "Extraordinary Summit, 3 Feb 2025\".")],
    payload: Annotated[str | None, typer.Option(
        help="The kind's fields as one JSON object of strings, instead of the options below.")
    ] = None,
    authority: Annotated[str | None, typer.Option(help="Central bank (allocation, admission).")
                         ] = None,
    allocation: Annotated[str | None, typer.Option(help="XSU (allocation).")] = None,
    credit_line: Annotated[str | None, typer.Option(help="FRCC credit line, XSU (allocation).")
                           ] = None,
    name: Annotated[str | None, typer.Option(
        help="Parameter name, the admitted state's name, a fund's or a project's name.")] = None,
    value: Annotated[str | None, typer.Option(help="Parameter value.")] = None,
    weights: Annotated[str | None, typer.Option(help="Basket weights, VES=0.4,CUP=0.2,...")
                       ] = None,
    usd_per_xsu: Annotated[str | None, typer.Option(help="Basket value at launch.")] = None,
    member: Annotated[str | None, typer.Option(help="Member state (status kinds, admission).")
                      ] = None,
    authority_name: Annotated[str | None, typer.Option(
        help="A new authority's name (admission).")] = None,
    currency: Annotated[str | None, typer.Option(
        help="A new authority's currency (admission), a fund's (fund; default USD).")] = None,
    purpose: Annotated[str | None, typer.Option(help="What a fund is for (fund).")] = None,
    target: Annotated[str | None, typer.Option(help="A fund's size (fund).")] = None,
    fund: Annotated[str | None, typer.Option(help="The fund's id (project).")] = None,
    beneficiary: Annotated[str | None, typer.Option(help="Member state (project).")] = None,
    budget: Annotated[str | None, typer.Option(help="In the fund's currency (project).")
                      ] = None,
    database: DatabaseOption = None, as_json: JsonOption = False,
) -> None:
    """Put a council decision to the member states' vote (adopt it with ``sucre adopt``)."""
    options = {"authority": authority, "allocation": allocation, "credit_line": credit_line,
               "name": name, "value": value, "weights": weights, "usd_per_xsu": usd_per_xsu,
               "member": member, "authority_name": authority_name, "currency": currency,
               "purpose": purpose, "target": target, "fund": fund, "beneficiary": beneficiary,
               "budget": budget}
    with domain_errors():
        fields = {k: v for k, v in options.items() if v is not None}
        if payload is not None:
            if fields:
                raise InvalidInput("give the fields either as --payload or as options, not both",
                                   field="payload")
            fields = _payload_fields(payload)
        proposal = council.propose(console.unit_of_work(database), kind,
                                   console.day(effective, "effective"), reference, fields,
                                   proposed_by=council.CLI_ACTOR)
    if as_json:
        emit_json(council.proposal_json(proposal))
        return
    say(out, f"proposal {proposal.id}: {proposal.kind.value} from {proposal.effective_date} "
             f"({proposal.reference}), open for the member states' votes")


def _payload_fields(text: str) -> dict[str, str]:
    if len(text) > bounds.text_chars_max * 4:
        raise InvalidInput("the payload is too long", field="payload")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidInput("the payload is not JSON", field="payload") from None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise InvalidInput("the payload is one JSON object of strings (amounts as \"1000.00\")",
                           field="payload")
    return {str(k): v for k, v in parsed.items()}


def vote(proposal: Annotated[int, typer.Argument(min=1, max=bounds.row_id_max)],
         choice: Annotated[str, typer.Argument(metavar="yes|no|abstain")],
         member: Annotated[str, typer.Option(help="The member state voting, e.g. VEN.")],
         database: DatabaseOption = None) -> None:
    """Record a member state's vote on a proposal (one per state; never changed)."""
    with domain_errors():
        cast = council.vote(console.unit_of_work(database), proposal, member, ballot(choice),
                            cast_by=council.CLI_ACTOR, day=_today())
    say(out, f"{cast.member} votes {cast.ballot.value} on proposal {proposal}")


def adopt(proposal: Annotated[int, typer.Argument(min=1, max=bounds.row_id_max)],
          database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Tally a proposal's votes: adopted, the decision is recorded and applied from its date;
    else the proposal is closed as rejected (exit 1)."""
    with domain_errors():
        uow = console.unit_of_work(database)
        closed = council.adopt(uow, proposal, closed_by=council.CLI_ACTOR, day=_today())
        detail = council.proposal_detail(uow, proposal, _today())
    if as_json:
        emit_json(council.proposal_detail_json(detail))
    elif closed.state is ProposalState.ADOPTED:
        say(out, f"proposal {proposal} adopted ({_counts(detail.tally)}): decision "
                 f"{closed.decision_id}, in force from {closed.effective_date}")
    else:
        say(out, f"proposal {proposal} rejected: {detail.tally.outcome.value.replace('_', ' ')} "
                 f"({_counts(detail.tally)})")
    if closed.state is not ProposalState.ADOPTED:
        raise typer.Exit(1)


def _counts(tally: Tally) -> str:
    return (f"yes {tally.yes}, no {tally.no}, abstain {tally.abstain} of {tally.eligible} "
            f"{'other ' if tally.rule.value == 'consensus_of_others' else ''}members in good "
            "standing")


def proposals(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The proposals put to the council's vote, and their state."""
    with domain_errors():
        listed = council.proposal_list(console.unit_of_work(database),
                                       bounds.decisions_listed_max)
    if as_json:
        emit_json({"proposals": [council.proposal_json(p) for p in listed.proposals],
                   "not_listed": listed.not_listed})
        return
    table = Table("id", "kind", "effective", "reference", "state", "decision",
                  title="proposals", title_justify="left")
    for p in listed.proposals:
        table.add_row(str(p.id), p.kind.value, p.effective_date.isoformat(), cell(p.reference),
                      p.state.value, "" if p.decision_id is None else str(p.decision_id))
    out.print(table)


def proposal(number: Annotated[int, typer.Argument(min=1, max=bounds.row_id_max)],
             database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """One proposal: its payload, its votes and its tally (or how it would count today)."""
    with domain_errors():
        detail = council.proposal_detail(console.unit_of_work(database), number, _today())
    document = council.proposal_detail_json(detail)
    if as_json:
        emit_json(document)
        return
    _print_proposal(document)


def _print_proposal(document: dict[str, Any]) -> None:
    flat = {k: json.dumps(v, sort_keys=True) if k == "payload" else v
            for k, v in document.items() if k not in ("votes", "tally")}
    out.print(record_table(f"proposal {document['id']}", flat))
    votes = Table("member", "vote", "cast by", "cast at", title="votes", title_justify="left")
    for v in document["votes"]:
        votes.add_row(v["member"], v["vote"], cell(v["cast_by"]), v["cast_at"])
    out.print(votes)
    tally = document["tally"]
    say(out, f"tally ({'final' if tally['final'] else 'if counted today'}, "
             f"{tally['rule'].replace('_', ' ')}): yes {tally['yes']}, no {tally['no']}, "
             f"abstain {tally['abstain']} of {tally['eligible']}; quorum {tally['quorum']}, "
             f"majority above {tally['majority']}: {tally['outcome'].replace('_', ' ')}")


def decision(number: Annotated[int, typer.Argument(min=1, max=bounds.row_id_max)],
             database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """One council decision: what it decided and replaced, and the proposal and votes behind
    it (none for a decision of the register's administrative commands)."""
    with domain_errors():
        detail = council.decision_detail(console.unit_of_work(database), number)
    document = council.decision_detail_json(detail)
    if as_json:
        emit_json(document)
        return
    flat = {k: json.dumps(v, sort_keys=True) if k == "decision" else v
            for k, v in document.items() if k not in ("supersedes", "proposal")}
    out.print(record_table(f"decision {number}", flat))
    before = document["supersedes"]
    say(out, "supersedes: " + ("nothing (the first on its subject)" if before is None else
                               f"decision {before['id']} of {before['effective_date']} "
                               f"({before['reference']}): {json.dumps(before['decision'])}"))
    approved_by = document["decision"].get("approved_by")
    if approved_by:
        say(out, f"four eyes: proposed by {approved_by[0]}, approved by {approved_by[-1]}")
    if document["proposal"] is None:
        say(out, "recorded directly by the council's administrative path (no vote)")
    else:
        _print_proposal(document["proposal"])


def register(app: typer.Typer) -> None:
    """Add the voted path's commands to ``app``."""
    app.command(epilog=("Fields per kind (the options, or the keys of --payload):\n\n"
                        + fields_help().replace("\n", "\n\n")))(propose)
    app.command()(vote)
    app.command()(adopt)
    app.command()(proposals)
    app.command()(proposal)
    app.command()(decision)
