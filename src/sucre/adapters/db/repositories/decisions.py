"""The decisions repository (:class:`sucre.service.unit_of_work.Decisions`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlDecisions(SqlRepository):
    pass
