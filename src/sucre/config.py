"""Settings, read from the environment (``SUCRE_*``) by pydantic-settings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///sucre.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUCRE_")

    #: ``sqlite:///path.db`` (embedded, the default) or ``postgresql://user@host/db``.
    database_url: str = DEFAULT_DATABASE_URL
