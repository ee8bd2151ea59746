"""The idempotency-record and access-log repository
(:class:`sucre.service.unit_of_work.Idempotency`) over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.access import AccessRow, IdempotencyRecord


class SqlIdempotency(SqlRepository):
    def record(self, client_id: int, key: str) -> IdempotencyRecord | None:
        r = t.idempotency_records.c
        row = self.conn.execute(select(t.idempotency_records).where(
            r.client_id == client_id, r.key == key)).first()
        if row is None:
            return None
        return IdempotencyRecord(row.client_id, row.key, row.method, row.path, row.body_hash,
                                 row.status_code, row.response)

    def add(self, record: IdempotencyRecord) -> None:
        """Insert a record; on PostgreSQL a concurrent insert of the same (client, key) waits
        for this transaction and then fails on the unique constraint."""
        self.conn.execute(insert(t.idempotency_records).values(
            client_id=record.client_id, key=record.key, method=record.method,
            path=record.path, body_hash=record.body_hash, status_code=record.status_code,
            response=record.response, created_at=now()))

    def answer(self, client_id: int, key: str, status_code: int, response: str) -> int:
        """Store the response of a record; the number of rows updated."""
        r = t.idempotency_records.c
        result = self.conn.execute(update(t.idempotency_records).where(
            r.client_id == client_id, r.key == key)
            .values(status_code=status_code, response=response))
        return int(result.rowcount)

    def log_access(self, row: AccessRow) -> None:
        self.conn.execute(insert(t.access_log).values(
            client_id=row.client_id, method=row.method, path=row.path,
            status_code=row.status_code, idempotency_key=row.idempotency_key,
            requests=row.requests, created_at=now()))
