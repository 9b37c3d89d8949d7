"""EC2 ``Filter.N`` semantics over any list of resources.

Each Describe action declares its filter names with a function returning the values an item has for
that name. An item passes when, for every filter, one of its values matches one of the filter's
values (``*`` and ``?`` are wildcards, ``\\`` escapes them). ``tag:<key>``, ``tag-key`` and
``tag-value`` work on every action that passes the item's tags. An unknown filter name is an error
rather than silently matching everything, and it is reported before any backend call: filters are
compiled first, applied to what the driver returns afterwards.

Wildcards are matched without a backtracking regex: ``*a*a*a*a*a*a*a*b`` as ``.*a.*a...`` takes
polynomial time in the value's length and one such filter pinned a CPU for minutes. A pattern is
split at its ``*`` into fixed-length segments; the first must match at the start, the last at the end
and each one between at its leftmost place after the previous one, which is linear enough.
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


class Glob:
    """An EC2 filter value: ``*`` any run of characters, ``?`` any one, ``\\`` escapes the next one."""

    def __init__(self, value: str) -> None:
        segments: list[list[str]] = [[]]  # regex pieces of each segment between stars, one per character
        escaped = False
        for char in value:
            if escaped:
                segments[-1].append(re.escape(char))
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "*":
                segments.append([])
            elif char == "?":
                segments[-1].append(".")
            else:
                segments[-1].append(re.escape(char))
        if escaped:
            segments[-1].append(re.escape("\\"))
        self._starred = len(segments) > 1
        self._tail_length = len(segments[-1])
        self._segments = [re.compile("".join(pieces), re.DOTALL) for pieces in segments]

    def fullmatch(self, value: str) -> bool:
        if not self._starred:
            return self._segments[0].fullmatch(value) is not None
        head, *middle, tail = self._segments
        found = head.match(value)
        if found is None:
            return False
        position = found.end()
        for segment in middle:  # leftmost is best: it leaves the most room for the segments after it
            found = segment.search(value, position)
            if found is None:
                return False
            position = found.end()
        tail_start = len(value) - self._tail_length
        return tail_start >= position and tail.fullmatch(value, tail_start) is not None


@lru_cache(maxsize=256)
def _pattern(value: str) -> Glob:
    return Glob(value)
