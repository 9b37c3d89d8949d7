"""Cloud timestamps in whatever form a driver reports them, as CIMI's ISO 8601 date-times."""

from datetime import UTC, datetime, timedelta, timezone

# The mock's seed data (like the original's) writes Ruby's Time#to_s: "Thu Oct 25 14:27:53 CEST 2012".
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "BST": 1,
          "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}


def iso_timestamp(value: str | None) -> str | None:
    """``2012-10-25T14:27:53+02:00``; None when the value is absent or cannot be read (never "now")."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        moment: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        moment = _ruby_time(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _ruby_time(text: str) -> datetime | None:
    parts = text.split()
    if len(parts) != 6 or parts[4].upper() not in _ZONES:
        return None
    try:
        moment = datetime.strptime(" ".join(parts[:4] + parts[5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone(timedelta(hours=_ZONES[parts[4].upper()])))
