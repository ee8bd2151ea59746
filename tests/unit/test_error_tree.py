"""The error tree drawn in the docstring of sucre.domain.errors is the tree in the code."""

from __future__ import annotations

import importlib
import pkgutil
import re

import sucre
from sucre.domain import errors
from sucre.domain.errors import SucreError

_BRANCH = re.compile(r"^(?P<indent>(?:│   |    )*)(?:├── |└── )(?P<name>[A-Za-z]+)\b")


def _drawn_parents() -> dict[str, str]:
    """Each class drawn in the docstring's tree -> the class drawn as its parent."""
    doc = errors.__doc__ or ""
    lines = doc[doc.index("    SucreError\n"):].splitlines()
    parents: dict[str, str] = {}
    path = ["SucreError"]
    for line in lines[1:]:
        match = _BRANCH.match(line.removeprefix("    "))
        if match is None:
            break
        depth = len(match["indent"]) // 4 + 1
        del path[depth:]
        parents[match["name"]] = path[-1]
        path.append(match["name"])
    return parents


def _subclasses(base: type) -> set[type]:
    found: set[type] = set()
    for sub in base.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(sucre.__path__, prefix="sucre."):
        if module.name.endswith("__main__") or ".migrations" in module.name:
            continue  # running the CLI, or Alembic scripts that need its context
        importlib.import_module(module.name)


def test_every_sucre_error_is_drawn_under_its_parent() -> None:
    _import_every_module()
    classes = {cls for cls in _subclasses(SucreError) if cls.__module__.startswith("sucre.")}
    drawn = _drawn_parents()
    assert len(classes) >= 18  # the walk found the adapters' classes too, not just errors.py
    missing = sorted(cls.__name__ for cls in classes if cls.__name__ not in drawn)
    assert not missing, f"not drawn in the error tree of sucre.domain.errors: {missing}"
    for cls in classes:
        assert drawn[cls.__name__] == cls.__bases__[0].__name__, cls.__name__
    assert set(drawn) == {cls.__name__ for cls in classes}, "the tree draws a class not in code"
