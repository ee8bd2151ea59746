"""The positions repository (:class:`sucre.service.unit_of_work.Positions`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlPositions(SqlRepository):
    pass
