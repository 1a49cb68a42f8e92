"""Deprecated aliases: an old name keeps working for one release and says which name replaces it."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any


def warn_renamed(old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(f"'{old}' is deprecated and will be removed in the next release; use '{new}'",
                  DeprecationWarning, stacklevel=stacklevel)


class renamed:  # noqa: N801 - used as a decorator-like descriptor, lower case like property
    """A class attribute `old = renamed("new")`: reading `obj.old` warns and returns `obj.new`
    (a method's bound method, a property's value)."""

    def __init__(self, new: str):
        self.new = new
        self.old = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.old = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        target = obj if obj is not None else owner
        warn_renamed(f"{getattr(owner, '__name__', '')}.{self.old}", f"{self.new}")
        return getattr(target, self.new)


def renamed_function(old: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A module-level function alias that warns and calls `fn`."""

    @functools.wraps(fn)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warn_renamed(old, fn.__name__)
        return fn(*args, **kwargs)

    return alias
