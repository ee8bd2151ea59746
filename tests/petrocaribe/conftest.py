"""The API and command-line fixtures, shared with tests/api and tests/e2e."""

from tests.api.conftest import client, keys
from tests.e2e.conftest import db

__all__ = ["client", "db", "keys"]
