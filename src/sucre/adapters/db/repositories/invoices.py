"""The invoices repository (:class:`sucre.service.unit_of_work.Invoices`) over SQLAlchemy."""

from __future__ import annotations

from sucre.adapters.db.repositories import SqlRepository


class SqlInvoices(SqlRepository):
    pass
