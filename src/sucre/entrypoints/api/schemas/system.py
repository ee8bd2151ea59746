"""Bodies of the system routes (health, the no-op probe)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: Literal["ok"]


class NoopOut(BaseModel):
    ok: bool
    client: str
