"""The orders repository (:class:`sucre.service.unit_of_work.Orders`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlOrders(SqlRepository):
    pass
