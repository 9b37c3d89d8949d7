"""``deltacloud`` command: serve locally, invoke a function's handler on an event, reset state,
register tenants, summarise metered usage."""

import argparse
import json
import os
import sys
from pathlib import Path

# re-exported: tests and benchmarks call a function's handler the way `deltacloud invoke` does
from .local_invoke import LocalLambdaContext as LocalLambdaContext
from .local_invoke import invoke as invoke


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from .local_server import create_local_server

    print(f"Deltacloud proxy on http://{args.host}:{args.port}/ (data in {os.environ['DELTACLOUD_DATA_DIR']})",
          file=sys.stderr)
    uvicorn.run(create_local_server(), host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.log_level == "debug", server_header=False)


def _invoke(args: argparse.Namespace) -> None:
    from .local_invoke import TemplateError, UnknownFunction, lambda_error, run_event

    try:
        event = json.loads(Path(args.event).read_text())
    except (OSError, ValueError) as error:
        raise SystemExit(f"cannot read the event {args.event}: {error}") from None
    try:
        invocation = run_event(args.function, event, Path(args.template) if args.template else None)
    except (UnknownFunction, TemplateError) as error:
        raise SystemExit(str(error)) from None
    except OSError as error:  # the template: missing, a folder, unreadable
        raise SystemExit(f"cannot read the template: {error}") from None
    if invocation.error is not None:
        print(json.dumps(lambda_error(invocation.error), indent=2))
        raise SystemExit(1)
    print(json.dumps(invocation.result, indent=2))


def _reset(args: argparse.Namespace) -> None:
    import shutil

    from .config import DRIVER_FILES
    from .runtime import get_runtime

    runtime = get_runtime()
    runtime.state_store.clear("")
    shutil.rmtree(runtime.settings.data_dir / DRIVER_FILES, ignore_errors=True)  # files the state pointed at
    print(f"state under {os.environ['DELTACLOUD_DATA_DIR']} reset; the mock cloud reseeds on next use")


def _register(args: argparse.Namespace) -> None:
    from .config import Settings
    from .tenants import parse_credentials, register_tenant

    settings = Settings.from_env()
    try:
        # the tenant's secret first, then the credentials in the order given
        secret = _read_value("tenant secret") if args.secret == "-" else args.secret
        credentials = parse_credentials(args.credential, _read_value)
        registration = register_tenant(
            args.store or ("secretsmanager" if settings.credentials == "secretsmanager" else "local"),
            args.tenant, secret, driver=args.driver, provider=args.provider,
            credentials=credentials, api_key=args.api_key, usage_plan_id=args.usage_plan_id,
            data_dir=settings.data_dir, secret_prefix=args.secret_prefix or settings.secret_prefix,
        )
    except ValueError as error:
        raise SystemExit(f"deltacloud tenant register: {error}") from None
    print(registration.describe())


def _read_value(name: str) -> str:
    """A value given as '-', kept out of the shell history and ``ps``: typed at a prompt that does not echo
    it on a terminal, else the next line of stdin."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{name}: ")
    line = sys.stdin.readline()
    if not line:
        raise ValueError("stdin ended before every '-' value was read (one line each)")
    return line.rstrip("\n")


def _usage(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from . import usage

    try:
        start = usage.parse_time(args.start) if args.start else None
        end = usage.parse_time(args.end) if args.end else None
        if args.log_group:
            end = end or datetime.now(UTC)
            start = start or usage.month_start(end)
            lines = usage.log_group_lines(args.log_group, start, end)
        else:
            path = Path(args.log) if args.log else Path(os.environ["DELTACLOUD_DATA_DIR"]) / "metering.log"
            if not path.is_file():
                raise SystemExit(f"no metering log at {path}")
            lines = usage.log_file_lines(path)
        summary = usage.summarise(lines, start, end)
    except ValueError as error:
        raise SystemExit(f"deltacloud usage: {error}") from None
    print(usage.render_json(summary) if args.json else usage.render_table(summary))
    if summary.skipped and not args.json:
        print(f"({summary.skipped} lines were not metering records)", file=sys.stderr)


def _add_tenant_commands(commands: argparse._SubParsersAction) -> None:
    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(dest="tenant_command", required=True)
    register = tenant.add_parser("register", help="register a tenant (and its provider credentials)")
    register.add_argument("tenant", help="tenant id, also its EC2 access key id")
    register.add_argument("--secret", help="its password / SigV4 secret key ('-': read a line from stdin); "
                          "may be left out when updating a tenant")
    register.add_argument("--driver", help="driver the credentials are for")
    register.add_argument("--provider", help="provider the credentials are for (default: any)")
    register.add_argument("--credential", action="append", default=[], metavar="NAME=VALUE",
                          help="a provider credential, e.g. username=... (repeat); VALUE '-': read the next line "
                          "from stdin (after --secret's), which keeps it out of the shell history and ps")
    register.add_argument("--api-key", help="value of its usage-plan API key (default: kept, or a new random one)")
    register.add_argument("--usage-plan-id", help="also create the API key in API Gateway and add it to this plan")
    register.add_argument("--store", choices=["local", "secretsmanager"],
                          help="where (default: per DELTACLOUD_CREDENTIALS, else local)")
    register.add_argument("--secret-prefix", help="Secrets Manager name prefix (DELTACLOUD_SECRET_PREFIX)")
    register.set_defaults(run=_register)


def _add_usage_command(commands: argparse._SubParsersAction) -> None:
    usage = commands.add_parser("usage", help="calls per tenant and operation, by outcome (from metering records)")
    source = usage.add_mutually_exclusive_group()
    source.add_argument("--log", help="a metering log file (default: <data dir>/metering.log)")
    source.add_argument("--log-group", action="append", help="a CloudWatch Logs group (repeat for several)")
    usage.add_argument("--start", help="from (ISO 8601; log groups default to the start of this month)")
    usage.add_argument("--end", help="until, exclusive (ISO 8601; log groups default to now)")
    usage.add_argument("--json", action="store_true", help="machine-readable output")
    usage.set_defaults(run=_usage)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="deltacloud", description=__doc__)
    parser.add_argument("--data-dir", help="where local state and credentials live (DELTACLOUD_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the local server (/api, /cimi, /ec2)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3001)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    # also accepted after `serve` (as in `scripts/serve --data-dir ./data`); SUPPRESS keeps the global one
    serve.add_argument("--data-dir", default=argparse.SUPPRESS, help="as the global --data-dir")
    serve.set_defaults(run=_serve)

    run = commands.add_parser("invoke", help="run a function's handler (as template.yaml names it) on an event file")
    run.add_argument("function", help="logical id in template.yaml (DeltacloudFunction) or short name (deltacloud)")
    run.add_argument("event", help="path of an API Gateway / authorizer / EventBridge / Scheduler event JSON file")
    run.add_argument("--template", help="the SAM template (default: template.yaml here or above)")
    run.set_defaults(run=_invoke)

    reset = commands.add_parser("reset", help="forget all local state (the mock cloud returns to its seed)")
    reset.set_defaults(run=_reset)

    _add_tenant_commands(commands)
    _add_usage_command(commands)

    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["DELTACLOUD_DATA_DIR"] = str(Path(args.data_dir).resolve())
    from .config import Settings

    os.environ.setdefault("DELTACLOUD_DATA_DIR", str(Settings.from_env().data_dir))
    args.run(args)


if __name__ == "__main__":
    main()
