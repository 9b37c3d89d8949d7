"""Tests for the CIMI query parameters ($filter, $select, $expand, $first, $last)."""

from datetime import UTC, datetime
from typing import Any

import pytest
from cimi_api.query import (
    MATCH_ALL,
    And,
    Comparison,
    Or,
    QueryError,
    apply_paging,
    apply_select,
    combine_filters,
    parse_expand,
    parse_filter,
    parse_first_last,
    parse_select,
)

BASE = "http://localhost:3001/cimi"

MACHINES: list[dict[str, Any]] = [
    {
        "id": f"{BASE}/machines/inst0",
        "name": "Mock Instance With Profile Change",
        "state": "STARTED",
        "cpu": 2,
        "memory": 7864320,
        "created": "2012-10-01T09:00:00Z",
        "machineConfig": {"href": f"{BASE}/machine_configurations/m1-large", "cpu": 2},
        "properties": {"owner": "mockuser", "rank": "10"},
        "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine",
    },
    {
        "id": f"{BASE}/machines/inst1",
        "name": "MockUserInstance",
        "description": "a machine",
        "state": "STARTED",
        "cpu": 1,
        "memory": 1782579,
        "created": "2012-10-25T14:27:53Z",
        "machineConfig": {"href": f"{BASE}/machine_configurations/m1-small", "cpu": 1},
        "properties": {"owner": "mockuser", "rank": "9"},
        "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine",
    },
    {
        "id": f"{BASE}/machines/inst2",
        "name": "AnotherInstance",
        "state": "STOPPED",
        "cpu": "1",  # Deltacloud emitted cpu as a JSON string
        "memory": 1782579,
        "created": "2012-11-02T08:00:00+01:00",
        "properties": {"owner": "anotheruser"},
        "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine",
    },
    {
        "id": f"{BASE}/machines/inst3",
        "name": "It's quoted",
        "state": "STOPPED",
        "memory": 1782579,
        "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine",
    },
]


def matching(text: str, resources: list[dict[str, Any]] = MACHINES) -> list[str]:
    """Ids (last segment) of the machines the filter selects."""
    flt = parse_filter(text)
    return [r["id"].rsplit("/", 1)[1] for r in resources if flt.matches(r)]


def cmp(path: str, op: str, value: Any) -> Comparison:
    return Comparison(tuple(path.split(".")), op, value)


# ------------------------------------------------------------------------------------------------
# $filter grammar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name='x'", cmp("name", "=", "x")),
        ('name="x"', cmp("name", "=", "x")),
        ("cpu!=2", cmp("cpu", "!=", 2)),
        ("cpu<2", cmp("cpu", "<", 2)),
        ("cpu<=2", cmp("cpu", "<=", 2)),
        ("cpu>2", cmp("cpu", ">", 2)),
        ("cpu>=2", cmp("cpu", ">=", 2)),
        ("  cpu \t >=\n 2  ", cmp("cpu", ">=", 2)),
        ("x=1.5", cmp("x", "=", 1.5)),
        ("x=-3", cmp("x", "=", -3)),
        ("x>-0.25", cmp("x", ">", -0.25)),
        ("x='1'", cmp("x", "=", "1")),  # quoted digits stay a string literal
        ("bootable=true", cmp("bootable", "=", True)),
        ("bootable!=false", cmp("bootable", "!=", False)),
        ("x='true'", cmp("x", "=", "true")),
        ("snake_case_1=1", cmp("snake_case_1", "=", 1)),
        ("machineConfig.cpu=2", cmp("machineConfig.cpu", "=", 2)),
        ("machineConfig . cpu = 2", cmp("machineConfig.cpu", "=", 2)),
    ],
)
def test_single_comparisons(text: str, expected: Comparison) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 < cpu", cmp("cpu", ">", 2)),
        ("2 <= cpu", cmp("cpu", ">=", 2)),
        ("2 > cpu", cmp("cpu", "<", 2)),
        ("2 >= cpu", cmp("cpu", "<=", 2)),
        ("'x' = name", cmp("name", "=", "x")),
        ("'x' != name", cmp("name", "!=", "x")),
    ],
)
def test_value_on_the_left_is_mirrored(text: str, expected: Comparison) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"it\'s"', "it's"),  # the other quote needs no escape
        ("'say \"hi\"'", 'say "hi"'),
        ("'back\\\\slash'", "back\\slash"),
        ("'C:\\temp'", "C:\\temp"),  # a backslash before anything else is kept
        ("''", ""),
        ("'a and b or (c)'", "a and b or (c)"),  # keywords and punctuation inside strings are text
        ("'  spaced  '", "  spaced  "),
    ],
)
def test_string_literals(text: str, value: str) -> None:
    assert parse_filter(f"name={text}") == cmp("name", "=", value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2012-10-25T14:27:53Z", datetime(2012, 10, 25, 14, 27, 53, tzinfo=UTC)),
        ("2012-10-25T16:27:53+02:00", datetime(2012, 10, 25, 14, 27, 53, tzinfo=UTC)),
        ("2012-10-25T14:27:53.250Z", datetime(2012, 10, 25, 14, 27, 53, 250000, tzinfo=UTC)),
        ("2012-10-25T14:27", datetime(2012, 10, 25, 14, 27, tzinfo=UTC)),  # no offset → UTC
        ("2012-10-25", datetime(2012, 10, 25, tzinfo=UTC)),  # a date is its midnight, UTC
    ],
)
def test_datetime_literals(text: str, value: datetime) -> None:
    parsed = parse_filter(f"created>{text}")
    assert isinstance(parsed, Comparison)
    assert parsed.value == value
    assert parsed.value.tzinfo is not None


def test_property_map_access() -> None:
    assert parse_filter("property['owner']='me'") == Comparison(("property", "owner"), "=", "me")
    assert parse_filter('property["a key.with dots"] = "v"') == Comparison(
        ("property", "a key.with dots"), "=", "v"
    )
    assert parse_filter("'me' = property['owner']") == Comparison(("property", "owner"), "=", "me")
    assert parse_filter("properties['n'] > 3") == Comparison(("properties", "n"), ">", 3)


def test_and_binds_tighter_than_or() -> None:
    a, b, c = cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3)
    assert parse_filter("a=1 or b=2 and c=3") == Or((a, And((b, c))))
    assert parse_filter("a=1 and b=2 or c=3") == Or((And((a, b)), c))


def test_chains_are_flat() -> None:
    a, b, c = cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3)
    assert parse_filter("a=1 and b=2 and c=3") == And((a, b, c))
    assert parse_filter("a=1 or b=2 or c=3") == Or((a, b, c))


def test_parentheses_override_precedence() -> None:
    a, b, c = cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3)
    assert parse_filter("(a=1 or b=2) and c=3") == And((Or((a, b)), c))
    assert parse_filter("a=1 and (b=2 or c=3)") == And((a, Or((b, c))))
    assert parse_filter("((a=1))") == a
    assert parse_filter("( ( a=1 ) or(b=2) )and(c=3)") == And((Or((a, b)), c))


def test_keywords_need_no_surrounding_space_after_literals() -> None:
    assert parse_filter("name='x'and state='y'or(cpu=1)") == Or(
        (And((cmp("name", "=", "x"), cmp("state", "=", "y"))), cmp("cpu", "=", 1))
    )


# ------------------------------------------------------------------------------------------------
# $filter evaluation


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        # the Deltacloud unit tests: one match for =, the others for !=
        ("name='MockUserInstance'", ["inst1"]),
        ("name!='MockUserInstance'", ["inst0", "inst2", "inst3"]),
        ('name="MockUserInstance"', ["inst1"]),
        ("name='mockuserinstance'", []),  # case-sensitive
        ("name='It\\'s quoted'", ["inst3"]),
        ("state='STARTED' and cpu=1", ["inst1"]),
        ("state='STOPPED' or cpu>1", ["inst0", "inst2", "inst3"]),
        ("state='STARTED' and (cpu=2 or memory<2000000)", ["inst0", "inst1"]),
        ("(state='STARTED' and cpu=2) or memory<2000000", ["inst0", "inst1", "inst2", "inst3"]),
    ],
)
def test_evaluation_on_machines(text: str, ids: list[str]) -> None:
    assert matching(text) == ids


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("cpu=1", ["inst1", "inst2"]),  # inst2's "1" is a numeric string: compared as a number
        ("cpu>=1", ["inst0", "inst1", "inst2"]),
        ("cpu<2", ["inst1", "inst2"]),
        ("2 > cpu", ["inst1", "inst2"]),
        ("1 < cpu", ["inst0"]),
        ("cpu=1.0", ["inst1", "inst2"]),
        ("cpu<1.5", ["inst1", "inst2"]),
        ("memory>1782579", ["inst0"]),
        ("memory>=1782579", ["inst0", "inst1", "inst2", "inst3"]),
        ("cpu='1'", ["inst1", "inst2"]),  # a quoted number still finds the JSON integer
        ("cpu>'1'", ["inst0"]),
        ("cpu=-1", []),
    ],
)
def test_numbers_compare_numerically(text: str, ids: list[str]) -> None:
    assert matching(text) == ids


def test_numeric_strings_compare_as_numbers_not_text() -> None:
    # as text "10" < "9"; as numbers 10 > 9
    assert matching("property['rank'] > 9") == ["inst0"]
    assert matching("property['rank'] > '9'") == []  # string vs string stays lexicographic
    assert matching("property['rank'] < '9'") == ["inst0"]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("name < 'B'", ["inst2"]),
        ("name >= 'M'", ["inst0", "inst1"]),
        ("state <= 'STARTED'", ["inst0", "inst1"]),
        ("'It' < name", ["inst0", "inst1", "inst3"]),
    ],
)
def test_strings_compare_lexicographically(text: str, ids: list[str]) -> None:
    assert matching(text) == ids


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("created > 2012-10-25T00:00:00Z", ["inst1", "inst2"]),
        ("created = 2012-10-25T14:27:53Z", ["inst1"]),
        ("created = 2012-10-25T16:27:53+02:00", ["inst1"]),  # same instant, other offset
        ("created < 2012-10-25", ["inst0"]),
        ("created >= 2012-10-01 and created < 2012-11-01", ["inst0", "inst1"]),
        # inst2 was created 07:00 UTC on Nov 2nd; offsets are honoured
        ("created > 2012-11-02T07:30:00Z", []),
        ("created < 2012-11-02T07:30:00Z", ["inst0", "inst1", "inst2"]),
        ("2012-10-02 > created", ["inst0"]),
    ],
)
def test_datetimes_compare_as_instants(text: str, ids: list[str]) -> None:
    assert matching(text) == ids


def test_datetime_attributes_as_python_objects() -> None:
    resource = {"created": datetime(2012, 10, 25, 14, 27, 53, tzinfo=UTC)}
    assert parse_filter("created = 2012-10-25T14:27:53Z").matches(resource)
    assert parse_filter("created > '2012-10-25T00:00:00Z'").matches(resource)
    assert not parse_filter("created > 'yesterday'").matches(resource)


def test_unparseable_datetime_attribute_does_not_match() -> None:
    assert not parse_filter("created > 2012-01-01").matches({"created": "not a date"})
    assert not parse_filter("created > 2012-01-01").matches({"created": "2012-02-30"})


def test_booleans_only_compare_for_equality() -> None:
    disk = {"id": f"{BASE}/volumes/v1", "bootable": False}
    assert parse_filter("bootable=false").matches(disk)
    assert parse_filter("bootable!=true").matches(disk)
    assert not parse_filter("bootable=true").matches(disk)
    assert not parse_filter("bootable<true").matches(disk)
    assert not parse_filter("bootable>=false").matches(disk)
    # XML-born values are text; a quoted literal against a real boolean also works
    assert parse_filter("bootable=false").matches({"bootable": "false"})
    assert parse_filter("bootable='false'").matches(disk)


def test_incompatible_types_never_match() -> None:
    machine = MACHINES[1]
    assert not parse_filter("name=1").matches(machine)
    assert not parse_filter("name!=1").matches(machine)
    assert not parse_filter("cpu=true").matches(machine)
    assert not parse_filter("cpu='one'").matches(machine)
    assert not parse_filter("cpu!='one'").matches(machine)
    assert not parse_filter("created=3").matches(machine)
    assert not parse_filter("state>2012-01-01").matches(machine)
    assert not parse_filter("machineConfig='x'").matches(machine)  # a reference is not a scalar
    assert not parse_filter("properties!='x'").matches(machine)
    assert not parse_filter("flag=1").matches({"flag": True})  # true is not 1


def test_missing_attributes_never_match() -> None:
    assert matching("description='a machine'") == ["inst1"]
    assert matching("description!='a machine'") == []
    assert matching("description!='other'") == ["inst1"]
    assert matching("cpu!=5") == ["inst0", "inst1", "inst2"]  # inst3 has no cpu
    assert not parse_filter("name!='x'").matches({"name": None})
    assert not parse_filter("cpu.count=1").matches(MACHINES[1])  # path through a scalar


def test_nested_attributes_and_properties() -> None:
    assert matching("machineConfig.cpu = 2") == ["inst0"]
    assert matching(f"machineConfig.href = '{BASE}/machine_configurations/m1-small'") == ["inst1"]
    assert matching("property['owner'] = 'mockuser'") == ["inst0", "inst1"]
    assert matching("properties['owner'] != 'mockuser'") == ["inst2"]
    assert matching("properties.owner = 'anotheruser'") == ["inst2"]
    assert matching("property['missing'] = 'x'") == []


def test_snake_case_names_reach_camel_case_attributes() -> None:
    machine = {"machineConfig": {"cpu": 2}, "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine"}
    assert parse_filter("machine_config.cpu=2").matches(machine)
    assert parse_filter("resource_uri='http://schemas.dmtf.org/cimi/1/Machine'").matches(machine)
    # the exact key wins over the camelCase guess
    assert parse_filter("owner_id='a'").matches({"owner_id": "a", "ownerId": "b"})


def test_combine_filters_ands_every_parameter() -> None:
    flt = combine_filters(["state='STARTED'", "cpu=1 or cpu=3"])
    assert [m["id"][-5:] for m in MACHINES if flt.matches(m)] == ["inst1"]
    assert combine_filters(["a=1", "b=2 and c=3"]) == And(
        (cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3))
    )
    assert combine_filters(["a=1"]) == cmp("a", "=", 1)


def test_no_filter_matches_everything() -> None:
    assert combine_filters([]) is MATCH_ALL
    assert all(MATCH_ALL.matches(m) for m in MACHINES)


# ------------------------------------------------------------------------------------------------
# $filter errors


def filter_error(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse_filter(text)
    message = str(info.value)
    assert message.startswith("Invalid $filter")
    assert "expected" in message  # every message says what would have been valid
    return info.value


@pytest.mark.parametrize(
    ("text", "position", "fragments"),
    [
        # unbalanced parentheses
        ("(name='x'", 10, ["')' closing the '(' at position 1", "found end of filter"]),
        ("((a=1) or (b=2)", 16, ["')' closing the '(' at position 1"]),
        ("name='x')", 9, ["unbalanced ')'"]),
        ("()", 2, ["expected a comparison", "found ')'"]),
        # missing operands
        ("name=", 6, ["expected an attribute name or a value after '='", "found end of filter"]),
        ("=2", 1, ["expected a comparison", "found '='"]),
        ("name='x' and", 13, ["expected a comparison", "found end of filter"]),
        ("or name='x'", 1, ["expected a comparison", "found 'or'"]),
        ("name='x' or or cpu=1", 13, ["found 'or'"]),
        ("cpu > and", 7, ["after '>'", "found 'and'"]),
        ("name", 5, ["expected a comparison operator", "after attribute 'name'", "found end of filter"]),
        ("machineConfig.cpu 2", 19, ["after attribute 'machineConfig.cpu'", "found '2'"]),
        # unknown operators
        ("cpu == 2", 5, ["unknown operator '=='", "one of =, !=, <, <=, >, >="]),
        ("cpu <> 2", 5, ["unknown operator '<>'"]),
        ("cpu =< 2", 5, ["unknown operator '=<'"]),
        ("cpu ! 2", 5, ["unknown operator '!'"]),
        ("name ~= 'x'", 6, ["unknown operator '~='"]),
        ("name like 'x'", 6, ["comparison operator", "found 'like'"]),
        ("cpu # 2", 5, ["unexpected character '#'"]),
        # unterminated strings
        ("name='MockUser", 6, ["unterminated string", "closing '"]),
        ('name="MockUser', 6, ["unterminated string", 'closing "']),
        ("name='it\\'", 6, ["unterminated string"]),
        ("property['owner'='x'", 17, ["expected ']'", "found '='"]),
        ("property['owner='x'", 19, ["unterminated string"]),  # the key swallowed =, so x' opens a string
        # trailing garbage
        ("name='x' extra", 10, ["expected 'and', 'or' or end of filter", "found 'extra'"]),
        ("name='x' 'y'", 10, ["found string 'y'"]),
        ("cpu=1 2", 7, ["found '2'"]),
        ("name='x' AND cpu=1", 10, ["found 'AND'"]),  # keywords are lower case, as in DSP0263
        # a comparison needs exactly one attribute
        ("1 = 2", 5, ["expected an attribute name on one side of '='", "found '2'"]),
        ("cpu = memory", 7, ["expected a value after '='", "found attribute 'memory'"]),
        ("true = false", 8, ["attribute name"]),
        # malformed attributes and literals
        ("machineConfig.=1", 15, ["attribute name after '.'"]),
        ("property[owner]='x'", 10, ["quoted key after '['"]),
        ("property[0]='x'", 10, ["quoted key"]),
        ("created > 2012-13-01", 11, ["'2012-13-01' is not a valid date-time"]),
        ("created > 2012-02-30T10:00:00Z", 11, ["not a valid date-time"]),
        ("x = -", 5, ["unexpected character '-'"]),
    ],
)
def test_filter_errors_name_position_and_expectation(text: str, position: int, fragments: list[str]) -> None:
    error = filter_error(text)
    assert error.position == position
    assert f"at position {position}:" in str(error)
    for fragment in fragments:
        assert fragment in str(error)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_filter(text: str) -> None:
    error = filter_error(text)
    assert "empty" in str(error)


def test_deep_nesting_is_a_query_error_not_a_crash() -> None:
    error = filter_error("(" * 500 + "a=1" + ")" * 500)
    assert "nested deeper" in str(error)
    assert parse_filter("(" * 20 + "a=1" + ")" * 20) == cmp("a", "=", 1)


def test_query_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_filter("name=")


def test_combine_filters_names_the_faulty_parameter() -> None:
    with pytest.raises(QueryError, match=r"in \$filter parameter 2 of 2") as info:
        combine_filters(["cpu=1", "name="])
    assert info.value.position == 6
    with pytest.raises(QueryError) as info:
        combine_filters(["name="])
    assert "parameter" not in str(info.value)


# ------------------------------------------------------------------------------------------------
# $select / $expand


def test_parse_select() -> None:
    assert parse_select("name") == ["name"]
    assert parse_select("name,description") == ["name", "description"]
    assert parse_select(" name , description ") == ["name", "description"]
    assert parse_select("name,name") == ["name"]
    assert parse_select("*") == ["*"]
    assert parse_select("name,*") == ["*"]
    # Deltacloud clients sent snake_case
    assert parse_select("machine_image,network_interfaces") == ["machineImage", "networkInterfaces"]
    assert parse_select("resource_uri,base_uri") == ["resourceURI", "baseURI"]


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("", 1, "expected an attribute name or '*'"),
        ("name,", 6, "expected an attribute name or '*'"),
        ("name,,description", 6, "expected an attribute name"),
        ("name, disks[0]", 7, "'disks[0]' is not an attribute name"),
        ("na-me", 1, "'na-me' is not an attribute name"),
    ],
)
def test_parse_select_errors(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_select(text)
    assert str(info.value).startswith(f"Invalid $select at position {position}:")
    assert fragment in str(info.value)
    assert info.value.position == position


def test_parse_expand() -> None:
    assert parse_expand("disks") == ["disks"]
    assert parse_expand("disks,volumes") == ["disks", "volumes"]
    assert parse_expand("*") == ["*"]
    assert parse_expand("network_interfaces") == ["networkInterfaces"]
    with pytest.raises(QueryError, match=r"^Invalid \$expand at position 7"):
        parse_expand("disks,")


def test_apply_select_keeps_mandatory_attributes() -> None:
    machine = MACHINES[1]
    assert apply_select(machine, ["name"]) == {
        "id": machine["id"],
        "name": "MockUserInstance",
        "resourceURI": "http://schemas.dmtf.org/cimi/1/Machine",
    }
    selected = apply_select(machine, parse_select("description,name"))
    assert list(selected) == ["id", "name", "description", "resourceURI"]  # the resource's own order


def test_apply_select_star_and_unknown_names() -> None:
    machine = MACHINES[1]
    assert apply_select(machine, ["*"]) == machine
    assert apply_select(machine, ["*"]) is not machine  # a copy: callers may mutate it
    assert apply_select(machine, ["noSuchAttribute"]) == {
        "id": machine["id"],
        "resourceURI": machine["resourceURI"],
    }


def test_apply_select_mandatory_set_is_overridable() -> None:
    # Deltacloud dropped `id` unless selected; a caller wanting that behaviour can say so
    assert apply_select(MACHINES[1], ["description"], always=()) == {"description": "a machine"}


# ------------------------------------------------------------------------------------------------
# $first / $last

ITEMS = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("first", "last", "page"),
    [
        (None, None, ["a", "b", "c", "d", "e"]),
        ("1", None, ["a", "b", "c", "d", "e"]),
        ("2", None, ["b", "c", "d", "e"]),
        ("5", None, ["e"]),
        ("6", None, []),  # past the end: empty, not an error
        ("100", None, []),
        (None, "1", ["a"]),
        (None, "3", ["a", "b", "c"]),
        (None, "99", ["a", "b", "c", "d", "e"]),
        ("2", "4", ["b", "c", "d"]),  # inclusive at both ends
        ("3", "3", ["c"]),
        ("4", "10", ["d", "e"]),
        ("7", "9", []),
        (" 2 ", "3", ["b", "c"]),
    ],
)
def test_apply_paging(first: str | None, last: str | None, page: list[str]) -> None:
    assert apply_paging(ITEMS, first, last) == page


def test_parse_first_last_is_a_slice() -> None:
    assert parse_first_last(None, None) == slice(0, None)
    assert parse_first_last("2", "4") == slice(1, 4)
    assert parse_first_last(None, "3") == slice(0, 3)


def test_paging_works_on_any_sequence() -> None:
    assert apply_paging(tuple(range(1, 11)), "9", None) == [9, 10]
    assert apply_paging([], "1", "5") == []


@pytest.mark.parametrize(
    ("first", "last", "fragment"),
    [
        ("0", None, "Invalid $first: positions start at 1, found 0"),
        (None, "0", "Invalid $last: positions start at 1"),
        ("-1", None, "Invalid $first: expected a positive integer, found '-1'"),
        ("abc", None, "expected a positive integer, found 'abc'"),
        ("1.5", None, "expected a positive integer"),
        ("", None, "Invalid $first: expected a positive integer"),
        (None, "two", "Invalid $last: expected a positive integer, found 'two'"),
        ("+3", None, "expected a positive integer"),
        ("٣", None, "expected a positive integer"),  # a non-ASCII digit is not accepted
        ("4", "2", "$first (4) is greater than $last (2)"),
    ],
)
def test_paging_errors(first: str | None, last: str | None, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_first_last(first, last)
    assert fragment in str(info.value)
    with pytest.raises(QueryError):
        apply_paging(ITEMS, first, last)
