"""The setoff runs repository (:class:`sucre.service.unit_of_work.SetoffRuns`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlSetoffRuns(SqlRepository):
    pass
