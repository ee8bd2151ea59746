"""The api keys repository (:class:`sucre.service.unit_of_work.ApiKeys`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlApiKeys(SqlRepository):
    pass
