"""What the benchmarks share: timing calls one after the other, and the figures drawn from the timings."""

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx


def time_calls(call: Callable[[], object], count: int, *, warm_up: int = 0,
               before_each: Callable[[], object] | None = None) -> list[float]:
    """Seconds each of ``count`` calls took, after ``warm_up`` calls left untimed. ``before_each`` runs
    untimed before every timed call (e.g. to empty a cache)."""
    for _ in range(warm_up):
        call()
    timings = []
    for _ in range(count):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return timings


def alternate(calls: Mapping[str, Callable[[], object]], rounds: int, *, warm_up: int) -> dict[str, list[float]]:
    """Seconds per call of each of ``calls``, which take turns for ``rounds`` rounds (so background load hits
    all alike), after ``warm_up`` untimed rounds."""
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(warm_up):
        for call in calls.values():
            call()
    for _ in range(rounds):
        for name, call in calls.items():
            timings[name] += time_calls(call, 1)
    return timings


@dataclass(frozen=True)
class Summary:
    """The figures printed of a list of timings, in the timings' unit."""

    median: float
    p99: float
    mean: float

    @classmethod
    def of(cls, timings: Sequence[float]) -> "Summary":
        ordered = sorted(timings)
        return cls(statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)], statistics.mean(ordered))


def ok_get(client: httpx.Client, path: str, headers: Mapping[str, str] | None = None) -> Callable[[], None]:
    """A GET of ``path`` over the client's keep-alive connection, which must answer 200."""
    def get() -> None:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text

    return get
