"""Settings, read from the environment (``SUCRE_*``) by pydantic-settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sucre import bounds

DEFAULT_DATABASE_URL = "sqlite:///sucre.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUCRE_")

    #: ``sqlite:///path.db`` (embedded, the default) or ``postgresql://user@host/db``.
    database_url: str = DEFAULT_DATABASE_URL

    #: Seconds a client of ``sucre serve`` may take to send a request head, and then its body.
    client_timeout_s: int = Field(default=bounds.api_client_seconds_default, ge=1,
                                  le=bounds.api_client_seconds_max)
