"""The HTTP API of the clearing chamber (FastAPI); :func:`create_app` builds it on an engine."""

from sucre.entrypoints.api.app import create_app

__all__ = ["create_app"]
