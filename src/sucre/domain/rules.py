"""Treaty rules as pluggable policies: one protocol per kind of rule, one registry per kind.

The treaty's rules change by council decision (DOMAIN.md §8), so a kind of rule that the council
chooses among is not written into the use cases. It is a seam:

* a ``Protocol`` naming what every rule of that kind computes, in its own domain package
  (deficit financing: :mod:`sucre.domain.financing`; allocation rules and fraud controls are
  meant to follow the same shape);
* one domain module per rule, a pure class implementing the protocol, with a ``name``;
* one :class:`Registry` of them in the package's ``__init__``: the only place that lists them;
* a council parameter (:mod:`sucre.domain.parameters`) whose value is a registered name, so the
  rule in force is chosen by a decision with an effective date, like every other parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

from sucre.domain.errors import InvalidInput, invariant


class Named(Protocol):
    """What a registry needs of a rule: the name the council's parameter gives it."""

    @property
    def name(self) -> str: ...


R = TypeVar("R", bound=Named)


class Registry(Generic[R]):
    """The rules of one kind, by name (lower-case, as the council's parameter spells it)."""

    def __init__(self, kind: str, rules: Iterable[R]) -> None:
        self.kind = kind
        self._rules: dict[str, R] = {}
        for rule in rules:
            self.register(rule)

    def register(self, rule: R) -> R:
        invariant(rule.name == rule.name.strip().lower() and bool(rule.name),
                  f"a {self.kind} rule is named in lower case")
        invariant(rule.name not in self._rules, f"one {self.kind} rule named {rule.name!r}")
        self._rules[rule.name] = rule
        return rule

    @contextmanager
    def registered(self, rule: R) -> Iterator[R]:
        """``rule`` is registered inside the block only (a test's extra rule)."""
        self.register(rule)
        try:
            yield rule
        finally:
            del self._rules[rule.name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def get(self, name: str, *, field: str) -> R:
        """The rule named ``name`` (any case, surrounding blanks ignored)."""
        rule = self._rules.get(name.strip().lower())
        if rule is None:
            raise InvalidInput(f"unknown {self.kind} rule {name!r} (choose "
                               f"{', '.join(self._rules)})", field=field)
        return rule
