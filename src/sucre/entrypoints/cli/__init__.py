"""The ``sucre`` command line (Typer + Rich), one module per noun.

Errors from the domain become messages in one place (:mod:`sucre.entrypoints.cli.console`): a
clear message naming the field and the ISO 20022 reason code on stderr, exit status 2. Reports
take ``--json`` and then print exactly one JSON object on stdout.

Each noun module adds its commands with ``register(app)``; the order below is the order of
``sucre --help`` (commands first, then groups, each in registration order).
"""

from __future__ import annotations

import typer

from sucre.entrypoints.cli import (
    api_keys,
    bloc,
    council,
    demo,
    firms,
    food,
    funds,
    iso,
    orders,
    periods,
    petrocaribe,
    proposals,
    setoff,
)
from sucre.entrypoints.cli.console import GlobalDatabaseOption, global_database

app = typer.Typer(help="sucre: set-off, clearing in XSU and net settlement for the ALBA-TCP bloc.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def _everywhere(database: GlobalDatabaseOption = None) -> None:
    """sucre: set-off, clearing in XSU and net settlement for the ALBA-TCP bloc.

    ``sucre -d URL COMMAND`` and ``sucre COMMAND -d URL`` are the same; after the command wins.
    """
    global_database.set(database)

for _noun in (demo, orders, periods, council, proposals, bloc, iso, api_keys, setoff, funds,
              petrocaribe, firms, food):
    _noun.register(app)


def main() -> None:
    app()
