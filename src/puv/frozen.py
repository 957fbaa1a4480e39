"""A base for frozen values that must be cheap to import.

``@dataclass(frozen=True)`` is the project's way to write values, but the
``dataclasses`` module imports ``inspect`` (about 7 ms) and generating each
class costs more; values on the start-up path (settings, interpreter facts, the
``--python`` request, the venv result) derive from :class:`Frozen` instead. A
subclass declares ``__slots__`` and a typed ``__init__`` that sets each field
with ``object.__setattr__``; this base gives it what a frozen dataclass would:
``==`` and ``hash`` over the fields, a readable ``repr`` and
:class:`dataclasses.FrozenInstanceError` on assignment (imported only then).
"""

from __future__ import annotations


class Frozen:
    __slots__ = ()

    #: Fields that follow from the others: left out of ``==`` and ``hash``.
    _derived: tuple[str, ...] = ()

    def _fields(self) -> tuple[str, ...]:
        return type(self).__slots__

    def _key(self) -> tuple[object, ...]:
        derived = self._derived
        return tuple(getattr(self, name) for name in self._fields() if name not in derived)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields())
        return f"{type(self).__name__}({inner})"

    def __setattr__(self, name: str, value: object) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")
