"""``deltacloud usage``: calls per tenant and operation, by outcome — what a hosted proxy bills from.

Reads the metering records (:mod:`deltacloud.metering`: one CloudWatch EMF record per call) from the
local ``metering.log`` or from CloudWatch Logs (the functions' log groups, over a period). Lines that
are not metering records (other log lines, a torn last line) are skipped and counted.
"""

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .aws_clients import aws_client

OUTCOMES = ("success", "client_error", "auth_error", "backend_error", "server_error")
#: CloudWatch Logs filter: only lines that can be EMF records leave AWS
EMF_FILTER = '"_aws"'

Key = tuple[str, str, str]  # tenant, front-end, operation


@dataclass
class Usage:
    calls: dict[Key, Counter[str]] = field(default_factory=dict)
    skipped: int = 0

    def add(self, record: dict[str, Any]) -> None:
        key = (str(record.get("tenant", "anonymous")), str(record.get("frontend", "?")), str(record["operation"]))
        self.calls.setdefault(key, Counter())[str(record.get("outcome", "success"))] += _calls(record)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"tenant": t, "frontend": f, "operation": o, "calls": sum(c.values()), **{n: c[n] for n in OUTCOMES}}
            for (t, f, o), c in sorted(self.calls.items())
        ]

    def totals(self) -> dict[str, Counter[str]]:
        per_tenant: dict[str, Counter[str]] = {}
        for (tenant, _, _), counts in self.calls.items():
            per_tenant.setdefault(tenant, Counter()).update(counts)
        return per_tenant


def _calls(record: dict[str, Any]) -> int:
    value = record.get("Calls", 1)
    return int(sum(value if isinstance(value, list) else [value]))  # checked by _well_formed


def metering_record(line: str) -> dict[str, Any] | None:
    """The EMF record in a log line (possibly after a Lambda log prefix), or None."""
    start = line.find("{")
    if start < 0:
        return None
    try:
        record = json.loads(line[start:])
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("_aws"), dict) or not _well_formed(record):
        return None
    return record


def _well_formed(record: dict[str, Any]) -> bool:
    """Fields of the types metering writes: a corrupt record is skipped, never billed nor fatal."""
    if not isinstance(record.get("operation"), str) or record.get("outcome", "success") not in OUTCOMES:
        return False
    if any(not isinstance(record.get(name, ""), str) for name in ("tenant", "frontend")):
        return False
    calls = record.get("Calls", 1)
    values = calls if isinstance(calls, list) else [calls]
    if not all(isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 for value in values):
        return False
    try:
        return math.isfinite(sum(values))  # NaN, Infinity, or values overflowing when added up
    except OverflowError:  # an integer too large for a float
        return False


def summarise(lines: Iterable[str], start: datetime | None = None, end: datetime | None = None) -> Usage:
    usage = Usage()
    low = start.timestamp() * 1000 if start else None
    high = end.timestamp() * 1000 if end else None
    for line in lines:
        if not line.strip():
            continue
        record = metering_record(line)
        if record is None:
            usage.skipped += 1
            continue
        stamp = (record.get("_aws") or {}).get("Timestamp")
        if isinstance(stamp, int | float) and ((low and stamp < low) or (high and stamp >= high)):
            continue
        usage.add(record)
    return usage


def log_file_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as log:
        yield from log


def log_group_lines(groups: Iterable[str], start: datetime, end: datetime, client: Any = None) -> Iterator[str]:
    """The EMF-looking messages of the log groups between ``start`` and ``end`` (end exclusive)."""
    logs = client or aws_client("logs")
    paginator = logs.get_paginator("filter_log_events")
    for group in groups:
        pages = paginator.paginate(
            logGroupName=group, startTime=int(start.timestamp() * 1000), endTime=int(end.timestamp() * 1000) - 1,
            filterPattern=EMF_FILTER,
        )
        for page in pages:
            for event in page.get("events", []):
                yield event.get("message", "")


def parse_time(text: str) -> datetime:
    """ISO 8601 date or date-time; UTC unless it says otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or time: {text!r} (e.g. 2026-11-01 or 2026-11-01T08:00:00Z)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def render_table(usage: Usage) -> str:
    headers = ["tenant", "frontend", "operation", "calls", *OUTCOMES]
    rows = [[str(row[h]) for h in headers] for row in usage.rows()]
    for tenant, counts in sorted(usage.totals().items()):
        rows.append([tenant, "(all)", "(all)", str(sum(counts.values())), *(str(counts[n]) for n in OUTCOMES)])
    if not usage.calls:
        return "no metering records"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [headers, *rows]]
    return "\n".join(line.rstrip() for line in lines)


def render_json(usage: Usage) -> str:
    totals = {t: {"calls": sum(c.values()), **{n: c[n] for n in OUTCOMES}} for t, c in sorted(usage.totals().items())}
    return json.dumps({"rows": usage.rows(), "tenants": totals, "skipped_lines": usage.skipped}, indent=2)
