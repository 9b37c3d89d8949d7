"""The parameter names an action accepts, declared as patterns and compiled into one matcher per action.

A name the action does not declare is refused with ``UnknownParameter`` (as EC2 does) instead of being
dropped: ``InstanceIds.1`` in a DescribeInstances used to be ignored, so the call answered for every
instance and a script terminating what it listed hit the wrong machines.

A pattern is a dotted name in which ``N`` stands for a list index, as EC2's documentation writes them:
``InstanceId.N``, ``Filter.N.Value.N``, ``TagSpecification.N.Tag.N.Key``. An index is what
:class:`ec2_api.protocol.Params` reads as one (1 to 6 digits; libcloud counts some lists from 0). A
trailing ``.N`` also matches the bare name, because ``Params.values`` reads ``KeyName`` as a one-element
``KeyName.N`` (libcloud's ``get_key_pair`` sends it so). ``Action``, ``Version`` and the signature's
parameters never reach the matcher: :func:`ec2_api.protocol.parse_query` takes them out first.
"""

import re
from collections.abc import Callable, Iterable
from functools import cached_property

_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_INDEX = r"\.\d{1,6}"

#: read by the dispatcher for every action; EC2 documents it for every action served here (a test checks)
EVERY_ACTION = ("DryRun",)
FILTERS = ("Filter.N.Name", "Filter.N.Value.N")
PAGES = ("MaxResults", "NextToken")
TAGS = ("Tag.N.Key", "Tag.N.Value")
TAG_SPECIFICATIONS = ("TagSpecification.N.ResourceType", "TagSpecification.N.Tag.N.Key",
                      "TagSpecification.N.Tag.N.Value")


class ParameterNames:
    """The names one action accepts; :meth:`first_unknown` finds the first name it does not."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(dict.fromkeys((*EVERY_ACTION, *patterns)))
        self._regex = "|".join(_regex(pattern) for pattern in self.patterns)  # checked here, at import

    @cached_property
    def _fullmatch(self) -> Callable[[str], re.Match[str] | None]:
        # compiled with the action's first call: compiling all 38 at import cost every cold start ~4.5 ms
        return re.compile(self._regex).fullmatch

    def first_unknown(self, names: Iterable[str]) -> str | None:
        for name in names:
            if self._fullmatch(name) is None:
                return name
        return None


def _regex(pattern: str) -> str:
    """``Filter.N.Value.N`` -> ``Filter\\.\\d{1,6}\\.Value(?:\\.\\d{1,6})?``; a malformed pattern fails at import."""
    first, *rest = pattern.split(".")
    if not _SEGMENT.fullmatch(first) or first == "N":
        raise ValueError(f"parameter pattern {pattern!r} must start with a name")
    parts = [first]
    for position, segment in enumerate(rest, start=1):
        if segment == "N":
            parts.append(f"(?:{_INDEX})?" if position == len(rest) else _INDEX)
        elif _SEGMENT.fullmatch(segment):
            parts.append(r"\." + segment)
        else:
            raise ValueError(f"parameter pattern {pattern!r} has a malformed part {segment!r}")
    return "".join(parts)
