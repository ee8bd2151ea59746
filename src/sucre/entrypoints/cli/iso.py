"""``sucre iso``: ISO 20022 messages in (pacs.008, pacs.009; a pacs.002 answers), camt.053 out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sucre import bounds
from sucre.adapters.files import atomic_output, check_output, open_input
from sucre.adapters.iso20022.camt053 import build_camt053
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import DatabaseOption, domain_errors, err, say
from sucre.service import messaging

iso_app = typer.Typer(help="ISO 20022 messages: pacs.008 and pacs.009 in (pacs.002 out), camt.053 "
                           "statements.",
                      no_args_is_help=True)


@iso_app.command("import")
def iso_import(file: Annotated[Path, typer.Argument(
                   help="A pacs.008.001.08 or pacs.009.001.08 XML message.")],
               report_file: Annotated[Path | None, typer.Option(
                   "--out", help="Write the pacs.002 answer here (default: stdout).")] = None,
               database: DatabaseOption = None) -> None:
    """Answer a pacs.008 or pacs.009 (told apart by namespace) with a pacs.002.

    A pacs.008's transactions are submitted as payment orders; a pacs.009's confirm that
    settlement legs of a closed period were paid (EndToEndId = the instruction's reference, as
    shown by ``sucre report``). Exit 1 when any transaction was rejected (the pacs.002 says
    which and why)."""
    with domain_errors():
        with open_input(file, bytes_max=bounds.iso_message_bytes_max) as handle:
            data = handle.read(bounds.iso_message_bytes_max + 1)
        uow = console.unit_of_work(database)
        if report_file is None:
            outcome = messaging.submit_iso(uow, data)
            sys.stdout.buffer.write(outcome.report)
        else:
            # The answer's file is opened before the message is applied: an unwritable --out is
            # refused with nothing applied, never after the orders are in.
            with atomic_output(report_file) as answer:
                outcome = messaging.submit_iso(uow, data)
                answer.write(outcome.report)
    say(err, f"{outcome.accepted} accepted, {outcome.rejected} rejected (pacs.002 "
             f"{'on stdout' if report_file is None else f'in {report_file}'})")
    if outcome.rejected:
        # Recorded, but not all as asked (the README's exit codes): a script must not read a
        # message with RJCT transactions as wholly applied.
        raise typer.Exit(1)


@iso_app.command("statement")
def iso_statement(authority: str, period: str,
                  out_file: Annotated[Path | None, typer.Option(
                      "--out", help="Write the camt.053 here (default: stdout).")] = None,
                  database: DatabaseOption = None) -> None:
    """A camt.053 statement of an authority's XSU account for one period."""
    with domain_errors():
        if out_file is not None:
            check_output(out_file)
        document = build_camt053(messaging.statement(console.unit_of_work(database),
                                                     authority, period))
        if out_file is None:
            sys.stdout.buffer.write(document)
        else:
            with atomic_output(out_file) as handle:
                handle.write(document)


def register(app: typer.Typer) -> None:
    """Add the ``iso`` group to ``app``."""
    app.add_typer(iso_app, name="iso")
