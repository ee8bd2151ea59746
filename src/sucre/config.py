"""Settings, read from the environment (``SUCRE_*``) by pydantic-settings."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sucre import bounds

DEFAULT_DATABASE_URL = "sqlite:///sucre.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUCRE_")

    #: ``sqlite:///path.db`` (embedded, the default) or ``postgresql://user@host/db``.
    database_url: str = DEFAULT_DATABASE_URL

    #: The operating date (``SUCRE_TODAY=2027-01-01``) the chamber acts on where a rule depends
    #: on the day (a period is closed once it has ended); unset, today's UTC date. For drills,
    #: replays of a past semester and tests.
    today: dt.date | None = None

    #: Seconds a client of ``sucre serve`` may take to send a request head, and then its body.
    client_timeout_s: int = Field(default=bounds.api_client_seconds_default, ge=1,
                                  le=bounds.api_client_seconds_max)
