"""Benchmark: CIMI machine listing with ``$expand`` against the classic API's instance listing.

One local server (mock cloud) serves both, with the same instances: the seed's four plus the ones
this script launches. Each listing is requested sequentially over one keep-alive connection, in
JSON and in XML, interleaved in rounds so both see the same machine load. CIMI does more per
machine (disks and attached volumes embedded, the overlay of client-set names): target median
ratio <= 1.2.

Run: .venv/bin/python tests/benchmarks/bench_cimi.py [requests] [extra instances]
"""

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import MOCK_AUTH, start_server, stop_server  # noqa: E402
from timing import alternate, ok_get  # noqa: E402

CIMI = "/cimi/machines?$expand=disks,volumes"
CLASSIC = "/api/instances"
TARGET = 1.2


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    extra = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            with server.client(auth=MOCK_AUTH) as client:
                for number in range(extra):
                    created = client.post(CLASSIC, data={"image_id": "img1", "hwp_id": "m1-small",
                                                         "name": f"bench-{number}"})
                    assert created.status_code == 201, created.text
                cimi = client.get(CIMI, headers={"Accept": "application/json"}).json()
                classic = client.get(CLASSIC, headers={"Accept": "application/json"}).json()
                assert cimi["count"] == len(classic["instances"]) == 4 + extra
                assert all("count" in machine["disks"] for machine in cimi["machines"])  # really expanded
                print(f"{cimi['count']} instances, {count} requests per listing and format")
                worst = 0.0
                for fmt in ("application/json", "application/xml"):
                    timings = alternate({path: ok_get(client, path, {"Accept": fmt}) for path in (CLASSIC, CIMI)},
                                        count, warm_up=30)
                    classic_median = statistics.median(timings[CLASSIC])
                    cimi_median = statistics.median(timings[CIMI])
                    ratio = cimi_median / classic_median
                    worst = max(worst, ratio)
                    print(f"{fmt:17s} GET {CLASSIC:37s} median {classic_median * 1000:7.3f} ms")
                    print(f"{fmt:17s} GET {CIMI:37s} median {cimi_median * 1000:7.3f} ms   ratio {ratio:.2f}")
        finally:
            stop_server(server)
    print(f"worst ratio of medians: {worst:.2f}  (target <= {TARGET})")


if __name__ == "__main__":
    main()
