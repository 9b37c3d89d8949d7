"""`deltacloud invoke` finds functions in template.yaml the way SAM does; `deltacloud usage` summarises
metering records from a log file and from CloudWatch Logs (moto)."""

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from deltacloud.local_invoke import UnknownFunction, load_functions, resolve, run_event
from deltacloud.metering import emf_record
from serverless_support import ROOT, cli, unique, use_moto

EVENTS = ROOT / "events"


def test_every_function_of_the_template_is_found_with_its_handler_and_code() -> None:
    functions = load_functions(ROOT / "template.yaml")
    assert {f.short_name: f.handler for f in functions.values()} == {
        "deltacloud": "classic_api.handler.handler", "cimi": "cimi_api.handler.handler",
        "ec2": "ec2_api.handler.handler", "automation": "automation.handler.handler",
        "authorizer": "authorizer.handler.handler",
    }
    assert functions["AutomationFunction"].code_uri == ROOT / "functions" / "automation"
    assert functions["AutomationFunction"].timeout == 300 and functions["AuthorizerFunction"].timeout == 10
    assert resolve("AuthorizerFunction") == resolve("authorizer")


def test_an_unknown_function_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownFunction, match="functions in the template: authorizer, automation"):
        resolve("billing")
    result = cli("invoke", "billing", str(EVENTS / "authorizer-basic-valid.json"), data_dir=tmp_path)
    assert result.returncode != 0 and "unknown function 'billing'" in result.stderr
    assert "Traceback" not in result.stderr
    missing = cli("invoke", "authorizer", str(tmp_path / "nope.json"), data_dir=tmp_path)
    assert missing.returncode != 0 and "cannot read the event" in missing.stderr


def test_handler_code_and_layers_come_from_the_template_not_a_table(tmp_path: Path) -> None:
    """A template of another project: its function and prebuilt layer are what runs."""
    (tmp_path / "src" / "greeter").mkdir(parents=True)
    (tmp_path / "src" / "greeter" / "__init__.py").write_text("")
    (tmp_path / "src" / "greeter" / "entry.py").write_text(textwrap.dedent("""
        from shared_words import HELLO

        def main(event, context):
            return {"statusCode": 200, "body": f"{HELLO} {event['name']} from {context.function_name}"}
    """))
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "shared_words.py").write_text('HELLO = "hello"\n')
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Handler: greeter.entry.main
            Layers:
              - !Ref WordsLayer
        Resources:
          WordsLayer:
            Type: AWS::Serverless::LayerVersion
            Properties:
              ContentUri: layer/
          GreeterFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Runtime: python3.12
    """))
    (tmp_path / "event.json").write_text(json.dumps({"name": "tenant"}))
    result = cli("invoke", "greeter", "event.json", data_dir=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"] == "hello tenant from GreeterFunction"


def test_cli_invokes_the_authorizer_and_the_automation(tmp_path: Path) -> None:
    allowed = cli("invoke", "authorizer", str(EVENTS / "authorizer-basic-valid.json"), data_dir=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["principalId"] == "mockuser"
    assert '"message":"request allowed"' in allowed.stderr, "the function's log goes to stderr"
    denied = cli("invoke", "AuthorizerFunction", str(EVENTS / "authorizer-basic-wrong-password.json"),
                 data_dir=tmp_path)
    assert denied.returncode == 1
    assert json.loads(denied.stdout) == {"errorMessage": "Unauthorized", "errorType": "Unauthorized"}
    for output in (allowed, denied):
        assert "mockpassword" not in output.stdout + output.stderr
        assert "bW9ja3VzZXI6" not in output.stdout + output.stderr  # base64 of "mockuser:"
    report = cli("invoke", "automation", str(EVENTS / "automation-eventbridge-stop.json"), data_dir=tmp_path)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["status"] == 200


def test_stored_sigv4_samples_are_re_signed_but_wrong_signatures_stay_wrong() -> None:
    event = json.loads((EVENTS / "authorizer-sigv4.json").read_text())
    from authorizer.handler import handler
    from authorizer.policy import Unauthorized
    from deltacloud.local_invoke import LocalLambdaContext

    with pytest.raises(Unauthorized):  # as stored, its signature has long expired
        handler(event, LocalLambdaContext("AuthorizerFunction"))
    assert run_event("authorizer", event).status == 200
    tampered = json.loads(json.dumps(event).replace("DescribeInstances", "TerminateInstances"))
    assert run_event("authorizer", tampered).status == 401


def test_invoke_hands_an_odd_event_to_the_handler_as_the_deployed_function_would_get_it() -> None:
    """Re-signing must not fail on fields of unexpected types: the handler answers, as it would deployed."""
    event = json.loads((EVENTS / "deltacloud-list-instances.json").read_text())
    event["multiValueQueryStringParameters"] = {"state": None}
    assert run_event("deltacloud", event).status == 200


# --------------------------------------------------------------------------- usage


def test_usage_summarises_the_metering_log_of_real_calls(tmp_path: Path) -> None:
    for name in ("deltacloud-list-instances.json", "deltacloud-entry-point.json", "deltacloud-bad-request.json"):
        assert cli("invoke", "deltacloud", str(EVENTS / name), data_dir=tmp_path).returncode == 0
    (tmp_path / "metering.log").open("a").write("not a record\n")
    result = cli("usage", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 lines were not metering records" in result.stderr
    rows = cli("usage", "--json", data_dir=tmp_path)
    summary = json.loads(rows.stdout)
    operations = {(r["tenant"], r["operation"]): r for r in summary["rows"]}
    assert operations[("mockuser", "instances.index")]["success"] == 1
    calls = sum(r["calls"] for r in summary["rows"])
    assert calls == 3 and summary["skipped_lines"] == 1
    assert sum(r["client_error"] for r in summary["rows"]) == 1
    assert "mockuser" in result.stdout and "instances.index" in result.stdout


def test_usage_counts_per_tenant_operation_and_outcome(tmp_path: Path) -> None:
    records = [
        emf_record("deltacloud", "instances.index", "mock", "alice", "success"),
        emf_record("deltacloud", "instances.index", "mock", "alice", "success"),
        emf_record("deltacloud", "instances.index", "mock", "alice", "backend_error"),
        emf_record("ec2", "DescribeInstances", "ec2", "bob", "auth_error"),
        emf_record("automation", "instances.stop", "mock", "alice", "success"),
    ]
    log = tmp_path / "metering.log"
    log.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    summary = json.loads(cli("usage", "--log", str(log), "--json", data_dir=tmp_path).stdout)
    rows = {(r["tenant"], r["frontend"], r["operation"]): r for r in summary["rows"]}
    assert rows[("alice", "deltacloud", "instances.index")] | {} == {
        "tenant": "alice", "frontend": "deltacloud", "operation": "instances.index", "calls": 3, "success": 2,
        "client_error": 0, "auth_error": 0, "backend_error": 1, "server_error": 0,
    }
    assert summary["tenants"]["alice"]["calls"] == 4 and summary["tenants"]["bob"]["auth_error"] == 1
    future = cli("usage", "--log", str(log), "--start", "2999-01-01", "--json", data_dir=tmp_path)
    assert json.loads(future.stdout)["rows"] == []
    bad = cli("usage", "--log", str(log), "--start", "yesterday", data_dir=tmp_path)
    assert bad.returncode != 0 and "ISO 8601" in bad.stderr and "Traceback" not in bad.stderr


def test_usage_reads_cloudwatch_logs(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import boto3

    use_moto(monkeypatch, moto_endpoint)
    logs = boto3.client("logs")
    groups = [unique("/aws/lambda/deltacloud"), unique("/aws/lambda/ec2")]
    now = int(time.time() * 1000)
    lines: dict[str, list[str]] = {
        groups[0]: [json.dumps(emf_record("deltacloud", "instances.index", "mock", "alice", "success")),
                    '{"level":"INFO","message":"request handled","status":200}',
                    "START RequestId: 1 Version: $LATEST"],
        groups[1]: [json.dumps(emf_record("ec2", "RunInstances", "ec2", "alice", "success")),
                    json.dumps(emf_record("ec2", "RunInstances", "ec2", "bob", "client_error"))],
    }
    for group, messages in lines.items():
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now, "message": m} for m in messages])
    args: list[Any] = ["usage", "--json", "--log-group", groups[0], "--log-group", groups[1]]
    summary = json.loads(cli(*args, data_dir=tmp_path).stdout)
    assert summary["tenants"]["alice"]["calls"] == 2 and summary["tenants"]["bob"]["client_error"] == 1
    earlier = cli(*args, "--start", "2020-01-01", "--end", "2020-02-01", data_dir=tmp_path)
    assert json.loads(earlier.stdout)["rows"] == []
    for group in groups:
        logs.delete_log_group(logGroupName=group)
