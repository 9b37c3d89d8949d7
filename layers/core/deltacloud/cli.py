"""``deltacloud`` command: serve locally, invoke a function's handler on an event, reset state."""

import argparse
import contextlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

#: Lambda function name -> its handler, as template.yaml declares them
FUNCTIONS: dict[str, str] = {
    "deltacloud": "classic_api.handler:handler",
    "cimi": "cimi_api.handler:handler",
    "ec2": "ec2_api.handler:handler",
    "automation": "automation.handler:handler",
    "authorizer": "authorizer.handler:handler",
}


class LocalLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run a function's real handler on an event, as ``sam local invoke`` would."""
    import importlib

    target = FUNCTIONS.get(function)
    if target is None:
        raise SystemExit(f"unknown function {function!r} (functions: {', '.join(FUNCTIONS)})")
    module_name, _, attribute = target.partition(":")
    # Like `sam local invoke`: the function's own output (logs, metrics) goes to stderr, the
    # response alone to stdout. Loggers bind their stream at import, so import under the redirect.
    with contextlib.redirect_stdout(sys.stderr):
        handler = getattr(importlib.import_module(module_name), attribute)
        return handler(event, LocalLambdaContext(function))


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from .local_server import create_local_server

    print(f"Deltacloud proxy on http://{args.host}:{args.port}/ (data in {os.environ['DELTACLOUD_DATA_DIR']})",
          file=sys.stderr)
    uvicorn.run(create_local_server(), host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.log_level == "debug", server_header=False)


def _invoke(args: argparse.Namespace) -> None:
    event = json.loads(Path(args.event).read_text())
    print(json.dumps(invoke(args.function, event), indent=2))


def _reset(args: argparse.Namespace) -> None:
    from .runtime import get_runtime

    get_runtime().state_store.clear("")
    print(f"state under {os.environ['DELTACLOUD_DATA_DIR']} reset; the mock cloud reseeds on next use")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="deltacloud", description=__doc__)
    parser.add_argument("--data-dir", help="where local state and credentials live (DELTACLOUD_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the local server (/api, /cimi, /ec2)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3001)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(run=_serve)

    run = commands.add_parser("invoke", help="run a Lambda function's handler on an event file")
    run.add_argument("function", choices=sorted(FUNCTIONS))
    run.add_argument("event", help="path of an API Gateway / EventBridge event JSON file")
    run.set_defaults(run=_invoke)

    reset = commands.add_parser("reset", help="forget all local state (the mock cloud returns to its seed)")
    reset.set_defaults(run=_reset)

    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["DELTACLOUD_DATA_DIR"] = str(Path(args.data_dir).resolve())
    from .config import Settings

    os.environ.setdefault("DELTACLOUD_DATA_DIR", str(Settings.from_env().data_dir))
    args.run(args)


if __name__ == "__main__":
    main()
