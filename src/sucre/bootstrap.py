"""Composition root: settings to a migrated database engine."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from sucre.adapters.db.engine import make_engine
from sucre.adapters.db.migrate import upgrade
from sucre.config import Settings


def database(url: str | None = None) -> Engine:
    """An engine on ``url`` (or ``SUCRE_DATABASE_URL``), with the schema migrated to head."""
    engine = make_engine(url or Settings().database_url)
    upgrade(engine)
    return engine


def today() -> dt.date | None:
    """The operating date of ``SUCRE_TODAY``, or None: the service then takes today's date."""
    return Settings().today
