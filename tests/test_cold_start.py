"""The garbage collector paused during a function's cold start comes back after the first event, whatever
that event does (deltacloud/cold_start.py): a container left without a collector would leak for ever."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltacloud.cold_start import pause_collector, resumes_collector

ROOT = Path(__file__).resolve().parents[1]

#: a fresh interpreter, as Lambda's: import the handler, answer one event, report the collector's state
FRESH_CONTAINER = """
import gc, json, sys
from deltacloud.local_invoke import LocalLambdaContext
module = __import__(sys.argv[1], fromlist=["handler"])
paused = not gc.isenabled()
response = module.handler(json.load(open(sys.argv[2])), LocalLambdaContext("bench"))
print(json.dumps({"paused_at_import": paused, "enabled_after": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "status": response["statusCode"]}))
"""


@pytest.mark.parametrize(("module", "event", "status"), [
    ("classic_api.handler", "deltacloud-create-instance.json", 201),
    ("cimi_api.handler", "cimi-bad-request.json", 400),
    ("ec2_api.handler", "ec2-bad-request.json", 400),
])
def test_api_function_pauses_the_collector_until_its_first_event(tmp_path: Path, module: str, event: str,
                                                                   status: int) -> None:
    env = {**os.environ, "DELTACLOUD_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", FRESH_CONTAINER, module, str(ROOT / "events" / event)],
                            capture_output=True, text=True, env=env, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == status
    assert report["paused_at_import"] is True
    assert report["enabled_after"] is True
    # what the start built is frozen: later collections never traverse it again
    assert report["frozen"] > 10_000


#: `deltacloud invoke` with settings that make preparing the event fail
FAILED_LOCAL_INVOKE = """
import gc, json, sys
from deltacloud.local_invoke import run_event
invocation = run_event("ec2", json.load(open(sys.argv[1])))
print(json.dumps({"error": type(invocation.error).__name__, "imported": "ec2_api.handler" in sys.modules,
                  "enabled": gc.isenabled()}))
"""


def test_local_invoke_that_fails_before_the_handler_leaves_the_collector_running(tmp_path: Path) -> None:
    env = {**os.environ, "DELTACLOUD_DATA_DIR": str(tmp_path), "DELTACLOUD_BACKEND_TIMEOUT": "not a number"}
    event = ROOT / "events" / "ec2-run-instances.json"
    result = subprocess.run([sys.executable, "-c", FAILED_LOCAL_INVOKE, str(event)], capture_output=True, text=True,
                            env=env, check=True)
    # preparing the event failed, before the handler was imported; the collector was left running
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"error": "ValueError", "imported": False,
                                                                  "enabled": True}


def test_collector_resumes_after_a_first_call_that_fails() -> None:
    import gc

    @resumes_collector
    def failing() -> None:
        raise RuntimeError("the first event failed")

    pause_collector()
    try:
        assert not gc.isenabled()
        with pytest.raises(RuntimeError):
            failing()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
