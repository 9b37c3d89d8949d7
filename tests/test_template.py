"""The serverless deployment: template.yaml, the core layer build (Makefile) and the function layout.

- cfn-lint and the aws-sam-translator transform run offline (no network, no AWS credentials);
  cfn-lint no longer runs the SAM transform itself, so both are needed.
- The layer build (`make layer`) downloads wheels from PyPI and takes a few seconds to a minute.
- The layout tests check that every function's CodeUri folder holds the package its Handler names.

Dev dependencies: cfn-lint, aws-sam-translator.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"

# logical id -> (CodeUri, Handler, API routes)
FUNCTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "DeltacloudFunction": ("functions/deltacloud/", "classic_api.handler.handler", ("/api", "/api/{proxy+}")),
    "CimiFunction": ("functions/cimi/", "cimi_api.handler.handler", ("/cimi", "/cimi/{proxy+}")),
    "Ec2Function": ("functions/ec2/", "ec2_api.handler.handler", ("/ec2", "/ec2/{proxy+}")),
    "AutomationFunction": ("functions/automation/", "automation.handler.handler", ()),
    "AuthorizerFunction": ("functions/authorizer/", "authorizer.handler.handler", ()),
}

# functions that never touch the state table, so must not be granted it (the authorizer reads only secrets)
WITHOUT_STATE_TABLE = {"AuthorizerFunction"}

# what every function must find in its environment (read by deltacloud.config and Powertools)
REQUIRED_ENV = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_NAMESPACE",
    "DELTACLOUD_STATE_STORE",
    "DELTACLOUD_STATE_TABLE",
    "DELTACLOUD_CREDENTIALS",
    "DELTACLOUD_SECRET_PREFIX",
    "API_DRIVER",
}

# parameter values handed to the transform: they must reach the usage plan and the stage
PARAMETERS = {
    "Stage": "v1",
    "UsageQuotaLimit": 5000,
    "UsageQuotaPeriod": "WEEK",
    "ThrottleRateLimit": 7,
    "ThrottleBurstLimit": 13,
}

LAYER_SIZE_LIMIT = 40_000_000  # bytes, unzipped


# --------------------------------------------------------------------------- helpers


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, !GetAtt ...) as plain data."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def _load_template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def _refs(value: Any) -> set[str]:
    """Logical ids referenced anywhere in value (Ref, GetAtt, ${X} and ${X.Attr} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text, local = (item[0], set(item[1])) if isinstance(item, list) else (item, set())
                for name in re.findall(r"\$\{([^!}]+)\}", text):
                    if "::" not in name and name not in local:  # not AWS::Region, not Sub's own map
                        found.add(name.split(".")[0])
            found |= _refs(item)
    elif isinstance(value, list):
        for item in value:
            found |= _refs(item)
    return found


def _of_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def test_the_stage_cannot_be_named_after_a_front_end() -> None:
    """A stage is the apps' root path; Starlette takes a root path of /api off every /api path, so a stage named
    api, cimi or ec2 made each request to that front-end a 404 (found by invoking the handlers)."""
    pattern = re.compile(_load_template()["Parameters"]["Stage"]["AllowedPattern"])  # Java's syntax, same here
    assert [name for name in ("prod", "v1", "api_v2", "apis") if not pattern.match(name)] == []
    assert [name for name in ("api", "cimi", "ec2", "pr-1", "") if pattern.match(name)] == []


# --------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_passes() -> None:
    exe = Path(sys.executable).with_name("cfn-lint")
    cmd = [str(exe)] if exe.exists() else [shutil.which("cfn-lint") or "cfn-lint"]
    try:
        proc = subprocess.run([*cmd, str(TEMPLATE)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        pytest.fail("cfn-lint is not installed (dev dependency: pip install cfn-lint)")
    report = proc.stdout + proc.stderr
    # exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint failed
    assert proc.returncode & 0b11 == 0, report
    print(report or "cfn-lint: clean")


# --------------------------------------------------------------------------- SAM transform


class _ManagedPolicies:
    """Stands in for samtranslator's ManagedPolicyLoader, which would ask IAM."""

    def load(self) -> dict[str, str]:
        base = "arn:aws:iam::aws:policy"
        return {
            "AWSLambdaBasicExecutionRole": f"{base}/service-role/AWSLambdaBasicExecutionRole",
            "AWSLambdaVPCAccessExecutionRole": f"{base}/service-role/AWSLambdaVPCAccessExecutionRole",
            "AWSXrayWriteOnlyAccess": f"{base}/AWSXrayWriteOnlyAccess",
            "AWSLambdaRole": f"{base}/service-role/AWSLambdaRole",
        }


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    try:
        from samtranslator.translator.transform import transform
        from samtranslator.yaml_helper import yaml_parse
    except ImportError:
        pytest.fail("aws-sam-translator is not installed (dev dependency: pip install aws-sam-translator)")

    template = yaml_parse(TEMPLATE.read_text())
    for name, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://bucket/{name}.zip"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            mp.delenv(var, raising=False)
        return transform(template, dict(PARAMETERS), _ManagedPolicies())


def _rest_api(resources: dict[str, Any]) -> dict[str, Any]:
    apis = _of_type(resources, "AWS::ApiGateway::RestApi")
    assert list(apis) == ["ProxyApi"], "expected exactly one REST API"
    return apis["ProxyApi"]["Properties"]


def test_rest_api_takes_api_keys_from_the_authorizer(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    api = _rest_api(resources)
    assert api["ApiKeySourceType"] == "AUTHORIZER"
    assert "*~1*" in api["BinaryMediaTypes"]
    assert not _of_type(resources, "AWS::ApiGatewayV2::Api"), "usage plans need a REST API, not HttpApi"

    stages = _of_type(resources, "AWS::ApiGateway::Stage")
    assert len(stages) == 1, "one stage only (OpenApiVersion 3.0 avoids SAM's extra 'Stage' stage)"
    (stage,) = stages.values()
    assert stage["Properties"]["StageName"] in ({"Ref": "Stage"}, PARAMETERS["Stage"])


def test_usage_plan_has_quota_and_throttle(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    plans = _of_type(resources, "AWS::ApiGateway::UsagePlan")
    assert len(plans) == 1
    ((plan_id, plan),) = plans.items()
    props = plan["Properties"]
    assert props["Quota"] == {
        "Limit": PARAMETERS["UsageQuotaLimit"],
        "Period": PARAMETERS["UsageQuotaPeriod"],
    }
    assert props["Throttle"] == {
        "RateLimit": PARAMETERS["ThrottleRateLimit"],
        "BurstLimit": PARAMETERS["ThrottleBurstLimit"],
    }
    assert "ProxyApi" in _refs(props["ApiStages"])
    assert plan_id in _refs(transformed["Outputs"]["UsagePlanId"])


def test_authorizer_sees_every_request(transformed: dict[str, Any]) -> None:
    """No identity source and no cache: EC2 signed-query requests (no Authorization header)
    must reach the authorizer instead of being rejected by API Gateway."""
    body = _rest_api(transformed["Resources"])["Body"]
    schemes = body.get("components", {}).get("securitySchemes") or body.get("securityDefinitions")
    authorizer = schemes["TenantAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert "identitySource" not in authorizer
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    assert _refs(authorizer["authorizerUri"]) >= {"AuthorizerFunction"}


def test_api_routes(transformed: dict[str, Any]) -> None:
    paths = _rest_api(transformed["Resources"])["Body"]["paths"]
    expected = {route: fn for fn, (_, _, routes) in FUNCTIONS.items() for route in routes}
    assert set(paths) == set(expected)
    for route, function in expected.items():
        method = paths[route]["x-amazon-apigateway-any-method"]
        integration = method["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert function in _refs(integration["uri"]), route
        security = {name for entry in method["security"] for name in entry}
        assert security == {"TenantAuthorizer", "api_key"}, route


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function(transformed: dict[str, Any], logical_id: str) -> None:
    resources = transformed["Resources"]
    function = resources[logical_id]
    assert function["Type"] == "AWS::Lambda::Function"
    props = function["Properties"]
    assert props["Handler"] == FUNCTIONS[logical_id][1]
    assert props["Runtime"] == "python3.12"
    layers = _of_type(resources, "AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    assert _refs(props["Layers"]) == set(layers)
    env = props["Environment"]["Variables"]
    assert set(env) >= REQUIRED_ENV, REQUIRED_ENV - set(env)
    assert env["DELTACLOUD_STATE_STORE"] == "dynamodb"
    assert env["DELTACLOUD_CREDENTIALS"] == "secretsmanager"
    assert _refs(env["DELTACLOUD_STATE_TABLE"]) == {"StateTable"}
    assert props["Timeout"] <= 29 or not FUNCTIONS[logical_id][2], "API Gateway gives up after 29 s"

    # least privilege: the state table where used, and only the secrets under the prefix, read-only
    role = resources[_refs(props["Role"]).pop()]["Properties"]
    managed = [resources[name]["Properties"] for name in _refs(role["ManagedPolicyArns"])]
    statements = [s for p in role.get("Policies", []) + managed for s in p["PolicyDocument"]["Statement"]]
    secret_statements = [s for s in statements if any("secretsmanager" in a for a in _actions(s))]
    assert len(secret_statements) == 1
    (secrets,) = secret_statements
    assert _actions(secrets) == ["secretsmanager:GetSecretValue"], "no code calls anything else"
    assert secrets["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SecretPrefix}/*"
    }
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert bool(dynamodb) == (logical_id not in WITHOUT_STATE_TABLE)
    assert all(_refs(s["Resource"]) == {"StateTable"} for s in dynamodb)
    assert not [s for s in statements if s["Resource"] == "*"], "no wildcard resources"


def test_the_secrets_policy_is_defined_once(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    (policy,) = _of_type(resources, "AWS::IAM::ManagedPolicy")
    roles = _of_type(resources, "AWS::IAM::Role")
    attached = {name for name, role in roles.items() if policy in _refs(role["Properties"].get("ManagedPolicyArns"))}
    assert attached == {f"{function}Role" for function in FUNCTIONS}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return sorted([action] if isinstance(action, str) else action)


def test_automation_triggers(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    rules = _of_type(resources, "AWS::Events::Rule")
    assert len(rules) == 1
    (rule,) = rules.values()
    assert rule["Properties"]["EventPattern"] == {
        "source": ["deltacloud.automation"],
        "detail-type": ["Deltacloud Action"],
    }
    assert [_refs(t["Arn"]) for t in rule["Properties"]["Targets"]] == [{"AutomationFunction"}]

    schedules = _of_type(resources, "AWS::Scheduler::Schedule")
    assert schedules
    for schedule in schedules.values():
        props = schedule["Properties"]
        assert props["ScheduleExpression"].startswith("cron(")
        assert _refs(props["Target"]["Arn"]) == {"AutomationFunction"}
        text = props["Target"]["Input"]["Fn::Sub"]
        payload = json.loads(re.sub(r"\$\{[^}]+\}", "x", text))
        assert {"action", "tag", "tenant", "driver", "provider"} <= set(payload)


def test_state_table(transformed: dict[str, Any]) -> None:
    table = transformed["Resources"]["StateTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]} == {
        ("pk", "S"),
        ("sk", "S"),
    }
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_outputs(transformed: dict[str, Any]) -> None:
    outputs = transformed["Outputs"]
    for name, suffix in (("DeltacloudApiUrl", "/api"), ("CimiApiUrl", "/cimi"), ("Ec2ApiUrl", "/ec2")):
        url = outputs[name]["Value"]["Fn::Sub"]
        assert url.startswith("https://${ProxyApi}.execute-api.${AWS::Region}."), url
        assert url.endswith("/${Stage}" + suffix), url
    assert _refs(outputs["StateTableName"]["Value"]) == {"StateTable"}
    layers = _of_type(transformed["Resources"], "AWS::Lambda::LayerVersion")
    assert _refs(outputs["CoreLayerArn"]["Value"]) == set(layers)


# --------------------------------------------------------------------------- layout


def _layout_cases() -> list[Any]:
    resources = _load_template()["Resources"]
    return [
        pytest.param(r["Properties"]["CodeUri"], r["Properties"]["Handler"], id=f"layout:{name}")
        for name, r in sorted(resources.items())
        if r["Type"] == "AWS::Serverless::Function"
    ]


def test_layout_template_lists_the_five_functions() -> None:
    resources = _load_template()["Resources"]
    found = {
        name: (r["Properties"]["CodeUri"], r["Properties"]["Handler"])
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert found == {name: (uri, handler) for name, (uri, handler, _) in FUNCTIONS.items()}


@pytest.mark.parametrize(("code_uri", "handler"), _layout_cases())
def test_layout_function_package_holds_its_handler(code_uri: str, handler: str) -> None:
    """LAYOUT CHECK: <CodeUri>/<package>/<module>.py defines the handler the template names
    (fails until the function's package is written)."""
    *modules, attribute = handler.split(".")
    folder = ROOT / code_uri
    assert folder.is_dir(), f"{code_uri} does not exist"
    package = folder / modules[0]
    assert (package / "__init__.py").is_file(), f"{code_uri}{modules[0]}/__init__.py is missing"
    module = folder.joinpath(*modules).with_suffix(".py")
    if not module.is_file():
        module = folder.joinpath(*modules, "__init__.py")
    assert module.is_file(), f"module {'.'.join(modules)} is missing under {code_uri}"
    tree = ast.parse(module.read_text(), filename=str(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update(alias.asname or alias.name for alias in node.names)
    assert attribute in names, f"{module.relative_to(ROOT)} defines no top-level {attribute!r}"


# --------------------------------------------------------------------------- the layer


def _make(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    return subprocess.run(
        [make, "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Build the layer once: (python/ dir, interpreter that compiled it, its X.Y version)."""
    artifacts = tmp_path_factory.mktemp("layer")
    proc = _make("layer", f"ARTIFACTS_DIR={artifacts}")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    info = _make("-s", "print-layer-python")
    assert info.returncode == 0, info.stderr
    executable, version = info.stdout.split()
    return artifacts / "python", executable, version


def test_layer_contents(layer: tuple[Path, str, str]) -> None:
    python, _, _ = layer
    assert (python / "deltacloud" / "__init__.py").is_file()
    assert (python / "deltacloud" / "drivers" / "__init__.py").is_file()
    assert (python / "deltacloud" / "drivers" / "mock").is_dir()
    for package in (
        "starlette",
        "mangum",
        "pydantic",
        "pydantic_core",
        "aws_lambda_powertools",
        "multipart",
        "defusedxml",
        "libcloud",
    ):
        assert (python / package).is_dir(), f"{package} missing from the layer"
    assert not (python / "libcloud" / "test").exists(), "libcloud's test fixtures were not pruned"
    for sdk in ("boto3", "botocore", "s3transfer"):
        assert not (python / sdk).exists(), f"{sdk} is in the Lambda runtime: do not ship it"
        assert not list(python.glob(f"{sdk}-*.dist-info"))
    assert not (python / "bin").exists()


def test_layer_registers_the_drivers(layer: tuple[Path, str, str]) -> None:
    python, _, _ = layer
    (dist,) = [d for d in distributions(path=[str(python)]) if d.metadata["Name"] == "deltacloud-proxy"]
    shipped = {ep.name: ep.value for ep in dist.entry_points if ep.group == "deltacloud.drivers"}
    assert shipped["mock"] == "deltacloud.drivers.mock:MockDriver"
    assert "ec2" in shipped
    # every driver the project registers for local use is registered in the layer as well
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = pyproject["project"].get("entry-points", {}).get("deltacloud.drivers", {})
    missing = {name: value for name, value in declared.items() if shipped.get(name) != value}
    assert not missing, f"the layer does not register: {missing}"


def test_layer_bytecode_is_unchecked_hash(layer: tuple[Path, str, str]) -> None:
    python, _, version = layer
    pycs = list(python.rglob("*.pyc"))
    assert pycs, "the layer ships no bytecode"
    # PEP 552 header: magic (4 bytes), flags (4 bytes, little-endian): bit 0 hash-based,
    # bit 1 check_source. unchecked-hash == 0b01.
    bad = [p for p in pycs if int.from_bytes(p.read_bytes()[4:8], "little") != 0b01]
    assert not bad, f"{len(bad)} .pyc files are not unchecked-hash, e.g. {bad[:3]}"

    tag = "cpython-" + version.replace(".", "")
    core = [p for p in (python / "deltacloud").rglob("*.py")]
    uncompiled = [p for p in core if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()]
    assert not uncompiled, uncompiled[:5]
    if version != "3.12":
        import warnings

        warnings.warn(
            f"layer bytecode was compiled by Python {version}: Lambda's python3.12 ignores it "
            "(install Python 3.12 or pass PYTHON=... to make)",
            stacklevel=1,
        )


def test_layer_size(layer: tuple[Path, str, str]) -> None:
    python, _, _ = layer
    size = sum(p.stat().st_size for p in python.rglob("*") if p.is_file())
    print(f"\ncore layer unzipped: {size / 1e6:.1f} MB ({size} bytes)")
    assert size <= LAYER_SIZE_LIMIT, f"layer is {size / 1e6:.1f} MB > {LAYER_SIZE_LIMIT / 1e6:.0f} MB"


def test_layer_imports_on_its_own(layer: tuple[Path, str, str]) -> None:
    """The layer alone (no site-packages) is enough to import the core and its dependencies,
    run by the layer's interpreter (Python 3.12, like Lambda)."""
    python, executable, version = layer
    if version != "3.12" or os.uname().machine not in ("x86_64", "amd64"):
        pytest.skip(f"needs CPython 3.12 on x86_64 (have {version} on {os.uname().machine})")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.dont_write_bytecode = True\n"
        "import starlette, mangum, pydantic, aws_lambda_powertools, defusedxml, multipart, libcloud\n"
        "import deltacloud, deltacloud.drivers\n"
        "from importlib.metadata import entry_points\n"
        "for m in (starlette, pydantic, libcloud, deltacloud):\n"
        "    assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
        "print(sorted(ep.name for ep in entry_points(group='deltacloud.drivers')))\n"
    )
    proc = subprocess.run(
        [executable, "-I", "-S", "-c", code, str(python)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "mock" in proc.stdout


# --------------------------------------------------------------------------- the functions' build


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_is_built_by_the_makefile(logical_id: str) -> None:
    """`sam build` runs `make build-<LogicalId>` of the root Makefile for each function."""
    metadata = _load_template()["Resources"][logical_id].get("Metadata") or {}
    assert metadata.get("BuildMethod") == "makefile"
    assert (ROOT / metadata.get("ContextPath", FUNCTIONS[logical_id][0]) / "Makefile").is_file()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_build_ships_unchecked_hash_bytecode(logical_id: str, tmp_path: Path) -> None:
    """Every module of the function's code, and no stale cache of the checkout, compiled for Lambda's
    read-only /var/task (unchecked-hash: never re-validated against the sources)."""
    source = ROOT / FUNCTIONS[logical_id][0]
    # as SAM does it: a scratch copy of CodeUri is the working directory, the Makefile is the root one
    scratch = tmp_path / "scratch"
    shutil.copytree(source, scratch)
    artifacts = tmp_path / "artifacts"
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    proc = subprocess.run(
        [make, "--no-print-directory", "-f", str(ROOT / "Makefile"), f"build-{logical_id}",
         f"ARTIFACTS_DIR={artifacts}"],
        cwd=scratch, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    info = _make("-s", "print-layer-python")
    version = info.stdout.split()[1]
    tag = "cpython-" + version.replace(".", "")

    sources = sorted(p.relative_to(source) for p in source.rglob("*.py") if "__pycache__" not in p.parts)
    shipped = sorted(p.relative_to(artifacts) for p in artifacts.rglob("*.py"))
    assert shipped == sources
    package = FUNCTIONS[logical_id][1].split(".")[0]
    assert (artifacts / package / "handler.py").is_file()
    uncompiled = [p for p in shipped if not (artifacts / p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()]
    assert not uncompiled, uncompiled[:5]
    pycs = list(artifacts.rglob("*.pyc"))
    stale = [p for p in pycs if not p.name.endswith(f".{tag}.pyc")]
    assert not stale, f"bytecode of other interpreters shipped: {stale[:3]}"
    # PEP 552 flags (bytes 4-8): 0b01 = hash-based, not checked against the source
    bad = [p for p in pycs if int.from_bytes(p.read_bytes()[4:8], "little") != 0b01]
    assert not bad, f"{len(bad)} .pyc files are not unchecked-hash, e.g. {bad[:3]}"
