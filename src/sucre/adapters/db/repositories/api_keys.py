"""The API client and key repository (:class:`sucre.service.unit_of_work.ApiKeys`) over
SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.access import KeyHolder, KeyInfo, KeyOwner
from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.roles import Role


class SqlApiKeys(SqlRepository):
    def client_id(self, name: str) -> int | None:
        row = self.conn.execute(select(t.api_clients.c.id)
                                .where(t.api_clients.c.name == name)).first()
        return None if row is None else int(row.id)

    def add_client(self, name: str, role: Role, authority_id: int | None,
                   member_id: int | None = None) -> int:
        result = self.conn.execute(insert(t.api_clients).values(
            name=name, role=role.value, authority_id=authority_id, member_id=member_id,
            created_at=now()))
        key = result.inserted_primary_key
        invariant(key is not None, "a client has an id")
        return int(key[0])  # type: ignore[index]

    def add_key(self, client_id: int, key_id: str, secret_hash: str) -> None:
        self.conn.execute(insert(t.api_keys).values(client_id=client_id, key_id=key_id,
                                                    secret_hash=secret_hash, created_at=now()))

    def active_key_count(self, client_id: int) -> int:
        k = t.api_keys.c
        return int(self.conn.execute(select(func.count()).select_from(t.api_keys).where(
            k.client_id == client_id, k.revoked_at.is_(None))).scalar_one())

    def owner(self, key_id: str) -> KeyOwner | None:
        row = self.conn.execute(
            select(t.api_keys.c.id, t.api_keys.c.revoked_at, t.api_clients.c.name)
            .join(t.api_clients).where(t.api_keys.c.key_id == key_id)).first()
        return None if row is None else KeyOwner(int(row.id), str(row.name),
                                                 row.revoked_at is not None)

    def revoke(self, key_row_id: int) -> None:
        self.conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_row_id)
                          .values(revoked_at=now()))

    def keys_of(self, client_id: int) -> list[KeyInfo]:
        """A client's keys, oldest first."""
        k = t.api_keys.c
        rows = self.conn.execute(select(k.key_id, k.created_at, k.revoked_at)
                                 .where(k.client_id == client_id).order_by(k.id))
        return [KeyInfo(r.key_id, r.created_at, r.revoked_at) for r in rows]

    def holder(self, key_id: str) -> KeyHolder | None:
        k, c = t.api_keys.c, t.api_clients.c
        row = self.conn.execute(
            select(k.secret_hash, k.revoked_at, c.id, c.name, c.role, c.authority_id,
                   t.authorities.c.code, t.members.c.code.label("member"))
            .join(t.api_clients, c.id == k.client_id)
            .outerjoin(t.authorities, t.authorities.c.id == c.authority_id)
            .outerjoin(t.members, t.members.c.id == c.member_id)
            .where(k.key_id == key_id)).first()
        if row is None:
            return None
        authority = None if row.code is None else AuthorityCode(row.code)
        return KeyHolder(str(row.secret_hash), row.revoked_at is not None, int(row.id),
                         str(row.name), Role(row.role), authority, row.authority_id,
                         None if row.member is None else MemberCode(row.member))
