"""The HTTP API from the command line: ``serve``, and its clients and keys (``api-client``,
``api-key``)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from sucre import bounds
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import DatabaseOption, domain_errors, err, out

api_client_app = typer.Typer(help="API clients: one per participant, with a role.",
                             no_args_is_help=True)
api_key_app = typer.Typer(help="API keys: rotate (issue a new one) and revoke.",
                          no_args_is_help=True)


def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
          client_timeout: Annotated[int, typer.Option(
              min=1, max=bounds.api_client_seconds_max,
              help="Seconds a client may take to send a request's head, then its body "
                   "(slower ones are cut off).")] = bounds.api_client_seconds_default,
          database: DatabaseOption = None) -> None:
    """Serve the HTTP API (FastAPI under uvicorn); the database is migrated first, once."""
    import os

    import uvicorn

    from sucre.entrypoints.api.server import FACTORY, HTTP_PROTOCOL

    with domain_errors():
        engine = console.engine(database)
    os.environ["SUCRE_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    os.environ["SUCRE_CLIENT_TIMEOUT_S"] = str(client_timeout)
    engine.dispose()
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                http=HTTP_PROTOCOL, log_level="info")


def _print_key(issued: Any) -> None:
    err.print(f"API key of {issued.client} (key id {issued.key_id}); it is shown only now:",
              highlight=False)
    sys.stdout.write(f"{issued.api_key}\n")


@api_client_app.command("add")
def api_client_add(
    name: str,
    role: Annotated[str, typer.Option(
        help="operator, chamber, council, auditor or delegate.")],
    authority: Annotated[str | None, typer.Option(
        help="The operator's central bank (operators only), e.g. BCV.")] = None,
    member: Annotated[str | None, typer.Option(
        help="The delegate's member state (delegates only), e.g. VEN: it votes for that "
             "state alone.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Register an API client and print its first key (once)."""
    from sucre.service import api_keys

    with domain_errors():
        issued = api_keys.add_client(console.unit_of_work(database), name,
                                     api_keys.parse_role(role), authority, member)
    _print_key(issued)


@api_key_app.command("rotate")
def api_key_rotate(name: str, database: DatabaseOption = None) -> None:
    """Issue a new key to a client; revoke the old one once the new one is deployed."""
    from sucre.service import api_keys

    with domain_errors():
        uow = console.unit_of_work(database)
        issued = api_keys.issue_key(uow, name)
        older = [k.key_id for k in api_keys.client_keys(uow, name)
                 if k.revoked_at is None and k.key_id != issued.key_id]
    _print_key(issued)
    if older:
        err.print(f"still active: {', '.join(older)}; revoke with `sucre api-key revoke "
                  "KEY_ID` once the new key is in use", highlight=False)


@api_key_app.command("revoke")
def api_key_revoke(key_id: str, database: DatabaseOption = None) -> None:
    """Revoke a key at once (by its key id, the part after ``sk_``)."""
    from sucre.service import api_keys

    with domain_errors():
        client = api_keys.revoke_key(console.unit_of_work(database), key_id)
    out.print(f"key {key_id} of {client} revoked")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``api-client`` and ``api-key`` groups to ``app``."""
    app.command()(serve)
    app.add_typer(api_client_app, name="api-client")
    app.add_typer(api_key_app, name="api-key")
