"""EC2 ``Filter.N`` semantics over any list of resources.

Each Describe action declares its filter names with a function returning the values an item has for
that name. An item passes when, for every filter, one of its values matches one of the filter's
values (``*`` and ``?`` are wildcards, ``\\`` escapes them). ``tag:<key>``, ``tag-key`` and
``tag-value`` work on every action that passes the item's tags. An unknown filter name is an error
rather than silently matching everything, and it is reported before any backend call: filters are
compiled first, applied to what the driver returns afterwards.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from .errors import Ec2Error

T = TypeVar("T")
Extractor = Callable[[T], Iterable[object | None]]


def compile_filters(
    filters: Mapping[str, list[str]],
    extractors: Mapping[str, Extractor[T]],
    tags_of: Callable[[T], Mapping[str, str]] | None = None,
) -> Callable[[list[T]], list[T]]:
    """A function keeping the items that pass every filter; InvalidParameterValue for an unknown name."""
    tests = [_test(name, values, extractors, tags_of) for name, values in filters.items()]

    def select(items: list[T]) -> list[T]:
        return [item for item in items if all(test(item) for test in tests)] if tests else items

    return select


def _test(
    name: str,
    values: list[str],
    extractors: Mapping[str, Extractor[T]],
    tags_of: Callable[[T], Mapping[str, str]] | None,
) -> Callable[[T], bool]:
    patterns = [_pattern(value) for value in values]
    extract: Extractor[T]
    if name in extractors:
        extract = extractors[name]
    elif tags_of is not None and name.startswith("tag:"):
        key = name[4:]

        def extract(item: T) -> Iterable[object | None]:
            tags = tags_of(item)
            return [tags[key]] if key in tags else []
    elif tags_of is not None and name == "tag-key":
        def extract(item: T) -> Iterable[object | None]:
            return list(tags_of(item))
    elif tags_of is not None and name == "tag-value":
        def extract(item: T) -> Iterable[object | None]:
            return list(tags_of(item).values())
    else:
        raise Ec2Error("InvalidParameterValue", f"The filter '{name[:100]}' is invalid")

    def test(item: T) -> bool:
        have = [str(v) for v in extract(item) if v is not None]
        return any(pattern.fullmatch(value) for pattern in patterns for value in have)

    return test


@lru_cache(maxsize=256)
def _pattern(value: str) -> re.Pattern[str]:
    parts = []
    escaped = False
    for char in value:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)
