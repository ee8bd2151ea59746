"""The journal repository (:class:`sucre.service.unit_of_work.Journal`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlJournal(SqlRepository):
    pass
