"""The settlements repository (:class:`sucre.service.unit_of_work.Settlements`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlSettlements(SqlRepository):
    pass
