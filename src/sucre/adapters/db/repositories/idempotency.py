"""The idempotency repository (:class:`sucre.service.unit_of_work.Idempotency`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlIdempotency(SqlRepository):
    pass
