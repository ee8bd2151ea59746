"""Fixtures of the end-to-end command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sucre.bootstrap import database
from tests import world


@pytest.fixture
def db(tmp_path: Path) -> str:
    """The URL of an embedded SQLite file holding the test world, as a newcomer's would."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world.build(database(url))
    return url
