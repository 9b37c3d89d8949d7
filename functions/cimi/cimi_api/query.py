"""CIMI collection query parameters: ``$filter``, ``$select``, ``$expand``, ``$first`` and ``$last``.

The ``$filter`` grammar follows DMTF DSP0263 (section "Filtering collections"), extended as the
project spec (§10.3) asks::

    Filter     ::= AndExpr ( 'or' AndExpr )*
    AndExpr    ::= Comp ( 'and' Comp )*
    Comp       ::= Attribute Op Value | Value Op Attribute | '(' Filter ')'
    Op         ::= '=' | '!=' | '<' | '<=' | '>' | '>='
    Attribute  ::= Name ( '.' Name | '[' String ']' )*      e.g. machineConfig.cpu, property['owner']
    Value      ::= Number | DateTime | String | 'true' | 'false'
    Number     ::= '-'? Digits ( '.' Digits )?
    DateTime   ::= YYYY-MM-DD ( 'T' hh:mm ( ':' ss ( '.' fraction )? )? ( 'Z' | ('+'|'-') hh:mm )? )?
    String     ::= "'" ... "'" | '"' ... '"'        a backslash escapes the quote character or itself

Everything here is pure and framework-free: the HTTP layer turns :class:`QueryError` into a 400 and
applies the results to the CIMI JSON dicts it is about to serialize.
"""

from __future__ import annotations

import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from .query_errors import QueryError

__all__ = [
    "ALWAYS_SELECTED",
    "MATCH_ALL",
    "And",
    "Comparison",
    "Filter",
    "MatchAll",
    "Or",
    "QueryError",
    "apply_paging",
    "apply_select",
    "combine_filters",
    "parse_expand",
    "parse_filter",
    "parse_first_last",
    "parse_select",
]

T = TypeVar("T")
Value = bool | int | float | str | datetime

# Attributes kept by $select whatever was asked: without them a client cannot tell what the entry is
# or follow it (spec §2.2: `id` is always present on server output; resourceURI names the type).
ALWAYS_SELECTED: tuple[str, ...] = ("id", "resourceURI")

# A filter is user input that we parse recursively; bound the nesting so a hostile
# "((((…" yields a 400 instead of a RecursionError (500).
_MAX_DEPTH = 50


# --------------------------------------------------------------------------------------------------
# Filter tree and evaluation


class Filter(ABC):
    """A parsed ``$filter``; ``matches`` is evaluated on a resource's CIMI JSON dict."""

    @abstractmethod
    def matches(self, resource: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True)
class MatchAll(Filter):
    """What no ``$filter`` at all means."""

    def matches(self, resource: Mapping[str, Any]) -> bool:
        return True


MATCH_ALL = MatchAll()


@dataclass(frozen=True)
class And(Filter):
    operands: tuple[Filter, ...]

    def matches(self, resource: Mapping[str, Any]) -> bool:
        return all(f.matches(resource) for f in self.operands)


@dataclass(frozen=True)
class Or(Filter):
    operands: tuple[Filter, ...]

    def matches(self, resource: Mapping[str, Any]) -> bool:
        return any(f.matches(resource) for f in self.operands)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# `2 < cpu` is stored as `cpu > 2`, so evaluation always has the attribute on the left.
_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Comparison(Filter):
    """``path op value``; ``path`` holds the keys to follow from the resource dict."""

    path: tuple[str, ...]
    op: str
    value: Value

    def matches(self, resource: Mapping[str, Any]) -> bool:
        actual = _lookup(resource, self.path)
        if actual is None:
            # DSP0263 says nothing about absent attributes; we treat "no value" as never
            # matching, `!=` included, so a filter never selects entries by what they lack.
            return False
        pair = _comparable(actual, self.value)
        if pair is None:
            return False  # incompatible types are a non-match, not an error
        left, right = pair
        if isinstance(left, bool) and self.op not in ("=", "!="):
            return False  # booleans have no order in CIMI
        return _OPERATORS[self.op](left, right)


def _lookup(resource: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = resource
    for key in path:
        if not isinstance(value, Mapping):
            return None
        if key in value:
            value = value[key]
        elif key == "property" and "properties" in value:
            # DSP0263 writes property['k']; the JSON map is named `properties` (XML: <property>).
            value = value["properties"]
        elif "_" in key and _camel(key) in value:
            # Deltacloud clients filtered on snake_case names (machine_image); keep them working.
            value = value[_camel(key)]
        else:
            return None
    return value


def _comparable(actual: Any, literal: Value) -> tuple[Any, Any] | None:
    """Bring attribute and literal to one comparable type, or None if they don't share one.

    The literal's type decides; a string literal adapts to a typed attribute instead (so
    ``cpu='1'`` still works now that cpu is a JSON number and no longer DC's string).
    """
    if isinstance(literal, str):
        if isinstance(actual, str):
            return actual, literal
        for convert in (_as_bool, _as_number, _as_datetime):
            typed = convert(actual)
            if typed is not None:
                converted = convert(literal)
                return None if converted is None else (typed, converted)
        return None
    if isinstance(literal, bool):
        convert_actual: Callable[[Any], Any] = _as_bool
    elif isinstance(literal, int | float):
        convert_actual = _as_number
    else:
        convert_actual = _as_datetime
    converted = convert_actual(actual)
    return None if converted is None else (converted, literal)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):  # XML-born values arrive as text
        return value == "true"
    return None


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None  # bool is an int subclass, but true is not 1 in CIMI
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and _DATETIME_TEXT.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    # Naive and aware datetimes don't compare in Python; CIMI timestamps carry an offset, and one
    # without (or a bare date) is taken as UTC rather than as the server's local time.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _camel(snake: str) -> str:
    special = {"base_uri": "baseURI", "resource_uri": "resourceURI"}  # CIMI's irregular names
    if snake in special:
        return special[snake]
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --------------------------------------------------------------------------------------------------
# $filter lexer


@dataclass(frozen=True)
class _Token:
    kind: str  # name, string, number, datetime, op, ( ) [ ] . or end
    text: str  # as written, for error messages
    pos: int  # 1-based
    value: Any = None

    def describe(self) -> str:
        if self.kind == "end":
            return "end of filter"
        if self.kind == "string":
            return f"string {self.text}"
        return f"'{self.text}'"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Read greedily, so `==`, `=<` or `~=` is reported as one unknown operator rather than as two tokens.
_OPERATOR_CHARS = re.compile(r"[=!<>~]+")


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = _skip_space(text, 0)
    while i < len(text):
        pos = i + 1
        char = text[i]
        if char in "()[].":
            tokens.append(_Token(char, char, pos))
            i += 1
        elif char in "'\"":
            value, i = _read_string(text, i)
            tokens.append(_Token("string", text[pos - 1 : i], pos, value))
        elif match := _DATETIME_TEXT.match(text, i):
            # Tried before numbers: a date starts like one (2012-10-25 would read as 2012, -10, -25).
            try:
                moment = datetime.fromisoformat(match.group())
            except ValueError as err:
                raise QueryError(
                    f"Invalid $filter at position {pos}: '{match.group()}' is not a valid date-time "
                    f"({err}), expected YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh:mm|-hh:mm]",
                    pos,
                ) from None
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            tokens.append(_Token("datetime", match.group(), pos, moment))
            i = match.end()
        elif match := _NUMBER.match(text, i):
            number = float(match.group()) if "." in match.group() else int(match.group())
            tokens.append(_Token("number", match.group(), pos, number))
            i = match.end()
        elif match := _NAME.match(text, i):
            tokens.append(_Token("name", match.group(), pos))
            i = match.end()
        elif match := _OPERATOR_CHARS.match(text, i):
            if match.group() not in _OPERATORS:
                raise QueryError(
                    f"Invalid $filter at position {pos}: unknown operator '{match.group()}', "
                    "expected one of =, !=, <, <=, >, >=",
                    pos,
                )
            tokens.append(_Token("op", match.group(), pos))
            i = match.end()
        else:
            raise QueryError(
                f"Invalid $filter at position {pos}: unexpected character '{char}', expected an attribute "
                "name, a value, a comparison operator, 'and', 'or' or a parenthesis",
                pos,
            )
        i = _skip_space(text, i)
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read the quoted string at ``start``; return its value and the index after the closing quote."""
    quote = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(chars), i + 1
        if char == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
            # Only the delimiter and the backslash are escapable, so other backslashes
            # (C:\temp) are kept as typed.
            char = text[i + 1]
            i += 1
        chars.append(char)
        i += 1
    raise QueryError(
        f"Invalid $filter at position {start + 1}: unterminated string, expected a closing {quote}",
        start + 1,
    )


# --------------------------------------------------------------------------------------------------
# $filter parser (recursive descent, one method per grammar rule)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        return self.token.kind == "name" and self.token.text == word

    def fail(self, expected: str) -> QueryError:
        token = self.token
        return QueryError(
            f"Invalid $filter at position {token.pos}: expected {expected}, found {token.describe()}",
            token.pos,
        )

    def parse(self) -> Filter:
        if self.token.kind == "end":
            raise QueryError(
                "Invalid $filter: the filter is empty, expected a comparison such as name='x'", 1
            )
        result = self.parse_or()
        if self.token.kind == ")":
            raise QueryError(
                f"Invalid $filter at position {self.token.pos}: unbalanced ')', expected 'and', 'or' or "
                "end of filter",
                self.token.pos,
            )
        if self.token.kind != "end":
            raise self.fail("'and', 'or' or end of filter")
        return result

    def parse_or(self) -> Filter:
        operands = [self.parse_and()]
        while self.is_keyword("or"):
            self.advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Filter:
        # `and` binds tighter than `or` because each and-chain is one operand of parse_or.
        operands = [self.parse_term()]
        while self.is_keyword("and"):
            self.advance()
            operands.append(self.parse_term())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_term(self) -> Filter:
        if self.token.kind != "(":
            return self.parse_comparison()
        opening = self.advance()
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise QueryError(
                f"Invalid $filter at position {opening.pos}: parentheses nested deeper than {_MAX_DEPTH}, "
                f"expected at most {_MAX_DEPTH} levels",
                opening.pos,
            )
        inner = self.parse_or()
        if self.token.kind != ")":
            raise self.fail(f"'and', 'or' or ')' closing the '(' at position {opening.pos}")
        self.advance()
        self.depth -= 1
        return inner

    def parse_comparison(self) -> Comparison:
        left = self.parse_operand("a comparison such as name='x' or '('")
        if self.token.kind != "op":
            raise self.fail(f"a comparison operator (=, !=, <, <=, >, >=) after {left[1]}")
        op = self.advance().text
        right_token = self.token
        right = self.parse_operand(f"an attribute name or a value after '{op}'")
        if isinstance(left[0], tuple) and not isinstance(right[0], tuple):
            return Comparison(left[0], op, right[0])
        if isinstance(right[0], tuple) and not isinstance(left[0], tuple):
            return Comparison(right[0], _MIRRORED[op], left[0])
        what = (
            f"a value after '{op}'"
            if isinstance(left[0], tuple)
            else f"an attribute name on one side of '{op}'"
        )
        raise QueryError(
            f"Invalid $filter at position {right_token.pos}: expected {what}, found {right[1]} "
            "(a comparison needs one attribute and one value)",
            right_token.pos,
        )

    def parse_operand(self, expected: str) -> tuple[tuple[str, ...] | Value, str]:
        """An attribute path (as a tuple) or a literal, plus how to name it in messages."""
        token = self.token
        if token.kind in ("string", "number", "datetime"):
            self.advance()
            return token.value, token.describe()
        if token.kind == "name" and token.text in ("true", "false"):
            self.advance()
            return token.text == "true", token.describe()
        if token.kind == "name" and token.text not in ("and", "or"):
            path = self.parse_attribute()
            previous = self.tokens[self.index - 1]
            return path, f"attribute '{self.text[token.pos - 1 : previous.pos - 1 + len(previous.text)]}'"
        raise self.fail(expected)

    def parse_attribute(self) -> tuple[str, ...]:
        path = [self.advance().text]
        while self.token.kind in (".", "["):
            if self.advance().kind == ".":
                if self.token.kind != "name":
                    raise self.fail("an attribute name after '.'")
                path.append(self.advance().text)
            else:
                if self.token.kind != "string":
                    raise self.fail("a quoted key after '[', as in property['key']")
                path.append(self.advance().value)
                if self.token.kind != "]":
                    raise self.fail("']'")
                self.advance()
        return tuple(path)


def parse_filter(text: str) -> Filter:
    """Parse one ``$filter`` value (already URL-decoded); raise :class:`QueryError` if malformed."""
    return _Parser(text).parse()


def combine_filters(texts: Sequence[str]) -> Filter:
    """AND together repeated ``$filter`` parameters; no parameter at all matches everything."""
    filters: list[Filter] = []
    for number, text in enumerate(texts, start=1):
        try:
            parsed = parse_filter(text)
        except QueryError as err:
            if len(texts) == 1:
                raise
            raise QueryError(f"{err} (in $filter parameter {number} of {len(texts)})", err.position) from None
        filters.extend(parsed.operands if isinstance(parsed, And) else [parsed])
    if not filters:
        return MATCH_ALL
    return filters[0] if len(filters) == 1 else And(tuple(filters))


# --------------------------------------------------------------------------------------------------
# $select / $expand


def _parse_names(parameter: str, text: str) -> list[str]:
    """Comma-separated attribute names or ``*``; snake_case is accepted as Deltacloud did."""
    names: list[str] = []
    offset = 0
    for raw in text.split(","):
        name = raw.strip()
        pos = offset + len(raw) - len(raw.lstrip()) + 1
        offset += len(raw) + 1
        if not name:
            raise QueryError(f"Invalid {parameter} at position {pos}: expected an attribute name or '*'", pos)
        if name != "*" and not _NAME.fullmatch(name):
            raise QueryError(
                f"Invalid {parameter} at position {pos}: '{name}' is not an attribute name "
                "(expected letters, digits and '_', or '*')",
                pos,
            )
        name = _camel(name) if "_" in name else name
        if name not in names:
            names.append(name)
    return ["*"] if "*" in names else names


def parse_select(text: str) -> list[str]:
    """``$select=name,description`` → ``["name", "description"]``; ``*`` → ``["*"]``."""
    return _parse_names("$select", text)


def parse_expand(text: str) -> list[str]:
    """``$expand=disks,volumes`` → ``["disks", "volumes"]``; ``*`` → ``["*"]`` (expand all)."""
    return _parse_names("$expand", text)


def apply_select(
    resource: Mapping[str, Any], names: Sequence[str], always: Sequence[str] = ALWAYS_SELECTED
) -> dict[str, Any]:
    """Keep the selected attributes plus ``always``, in the resource's own order."""
    if "*" in names:
        return dict(resource)
    keep = set(names) | set(always)
    return {key: value for key, value in resource.items() if key in keep}


# --------------------------------------------------------------------------------------------------
# $first / $last


def _position(parameter: str, text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise QueryError(f"Invalid {parameter}: expected a positive integer, found '{text}'")
    number = int(value)
    if number < 1:
        raise QueryError(f"Invalid {parameter}: positions start at 1, found {number}")
    return number


def parse_first_last(first: str | None, last: str | None) -> slice:
    """Turn the 1-based, inclusive ``$first``/``$last`` into a Python slice over the matches.

    ``$first`` alone runs to the end, ``$last`` alone starts at the first entry; past-the-end
    positions simply give fewer (or no) entries.
    """
    start = _position("$first", first) if first is not None else 1
    stop = _position("$last", last) if last is not None else None
    if stop is not None and start > stop:
        raise QueryError(f"Invalid $first/$last: $first ({start}) is greater than $last ({stop})")
    return slice(start - 1, stop)


def apply_paging(items: Sequence[T], first: str | None, last: str | None) -> list[T]:
    """The page of ``items`` selected by ``$first``/``$last`` (the caller reports the full count)."""
    return list(items[parse_first_last(first, last)])
