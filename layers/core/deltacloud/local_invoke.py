"""Local parity with ``sam local invoke``: find a function in ``template.yaml`` and run its real handler.

As SAM does, the function is named by its logical id (``DeltacloudFunction``) — or, for short, by that
id without ``Function`` in lower case (``deltacloud``); its ``Handler``, ``CodeUri`` and ``Layers`` come
from the template with ``Globals`` merged in. The ``CodeUri`` folder goes first on ``sys.path``, and so
does the ``python/`` folder of each layer whose source is laid out that way. The core layer is built
by the Makefile instead; its packages import from the development install, which maps the very import
paths of the built layer (``deltacloud``, ``deltacloud.drivers``).

Unlike SAM: no container, and the template's environment variables are not applied — the local
settings (SQLite state, the local credential store) stay in force, so every event runs offline. The
function's own output (logs, metrics) goes to stderr, as under SAM. An event carrying a genuine SigV4
header signature is re-signed with the current time first (a signature is valid for 15 minutes only),
so stored sample events keep working; a wrong signature stays wrong.
"""

import contextlib
import importlib
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DeltacloudError

TEMPLATE_NAME = "template.yaml"
#: the source checkout this package was installed from (editable install)
_CHECKOUT = Path(__file__).resolve().parents[3]

Handler = Callable[[Any, Any], Any]


class TemplateError(ValueError):
    """The template is not a SAM template that can be read."""


class UnknownFunction(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown function {name!r} (functions in the template: {', '.join(known)})")


class LocalLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_seconds: float = 30) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._timeout_ms = int(timeout_seconds * 1000)

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str  # module.attribute
    code_uri: Path
    layer_paths: tuple[Path, ...]
    timeout: float

    @property
    def short_name(self) -> str:
        return self.logical_id.removesuffix("Function").lower()


# --------------------------------------------------------------------------- the template


def find_template() -> Path:
    """``$DELTACLOUD_TEMPLATE``, else ``template.yaml`` in the working directory or above, else the checkout's."""
    explicit = os.environ.get("DELTACLOUD_TEMPLATE")
    if explicit:
        return Path(explicit)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / TEMPLATE_NAME).is_file():
            return folder / TEMPLATE_NAME
    if (_CHECKOUT / TEMPLATE_NAME).is_file():
        return _CHECKOUT / TEMPLATE_NAME
    raise FileNotFoundError(f"no {TEMPLATE_NAME} here or above (set DELTACLOUD_TEMPLATE)")


def load_functions(template: Path) -> dict[str, FunctionSpec]:
    """Every ``AWS::Serverless::Function`` of the template, by logical id."""
    document = _read_template(template)
    resources: dict[str, Any] = document.get("Resources") or {}
    defaults: dict[str, Any] = (document.get("Globals") or {}).get("Function") or {}
    root = template.resolve().parent
    functions = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**defaults, **(resource.get("Properties") or {})}
        # SAM merges lists additively: global layers first, then the function's own
        layers = [*(defaults.get("Layers") or []), *((resource.get("Properties") or {}).get("Layers") or [])]
        functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            handler=str(props.get("Handler", "")),
            code_uri=(root / str(props.get("CodeUri", "."))).resolve(),
            layer_paths=tuple(_layer_paths(layers, resources, root)),
            timeout=float(props.get("Timeout", 3)),
        )
    return functions


def _layer_paths(layers: list[Any], resources: Mapping[str, Any], root: Path) -> list[Path]:
    paths = []
    for layer in layers:
        ref = layer.get("Ref") if isinstance(layer, dict) else None
        resource = resources.get(ref or "") or {}
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue  # a published layer (ARN): nothing local to mount
        content = (root / str((resource.get("Properties") or {}).get("ContentUri", "."))) / "python"
        if content.is_dir():
            paths.append(content.resolve())
    return paths


def _read_template(template: Path) -> dict[str, Any]:
    import yaml

    class CfnLoader(yaml.SafeLoader):
        """Reads CloudFormation short forms (!Ref, !Sub, !GetAtt, ...) as their long forms."""

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    CfnLoader.add_multi_constructor("!", tag)
    try:
        document = yaml.load(template.read_text(), Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"{template} is not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(document, dict):
        raise TemplateError(f"{template} is not a SAM template (no Resources mapping)")
    return document


def resolve(name: str, template: Path | None = None) -> FunctionSpec:
    functions = load_functions(template or find_template())
    for spec in functions.values():
        if name in (spec.logical_id, spec.short_name):
            return spec
    raise UnknownFunction(name, sorted(s.short_name for s in functions.values()))


# --------------------------------------------------------------------------- invoking


def load_handler(spec: FunctionSpec) -> Handler:
    for path in (*reversed(spec.layer_paths), spec.code_uri):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    module_name, _, attribute = spec.handler.rpartition(".")
    if not module_name:
        raise ValueError(f"{spec.logical_id}: Handler {spec.handler!r} is not <module>.<function>")
    return getattr(importlib.import_module(module_name), attribute)


def invoke(function: str, event: Any, template: Path | None = None) -> Any:
    """Run the function's real handler on ``event`` and return its result (its exceptions propagate)."""
    return _call(resolve(function, template), event)


def _call(spec: FunctionSpec, event: Any) -> Any:
    # Loggers bind their stream at import: import under the redirect too.
    # The event is ready before the import: a handler module pauses the garbage collector until its first
    # call (deltacloud/cold_start.py), so nothing may fail between the two.
    event = _fresh_signature(event)
    with contextlib.redirect_stdout(sys.stderr):
        handler = load_handler(spec)
        return handler(event, LocalLambdaContext(spec.logical_id, spec.timeout))


def _fresh_signature(event: Any) -> Any:
    if not isinstance(event, Mapping) or not event.get("headers"):
        return event
    from .runtime import get_runtime
    from .sigv4_events import refresh_signature

    store = get_runtime().credential_store

    def lookup(access_key_id: str) -> str | None:
        found = store.signing_secret(access_key_id)
        return found[1] if found else None

    try:
        return refresh_signature(event, lookup) or event
    except (TypeError, AttributeError):  # fields of the wrong type: the handler gets the event as it is
        return event


@dataclass(frozen=True)
class Invocation:
    """A handler's result or exception, with the HTTP status API Gateway would answer with."""

    result: Any = None
    error: BaseException | None = None

    @property
    def status(self) -> int:
        return error_status(self.error) if self.error is not None else result_status(self.result)


def run_event(function: str, event: Any, template: Path | None = None) -> Invocation:
    """Only the function's own failures become the Invocation's error; an unknown function or a missing
    or unreadable template raises (UnknownFunction, OSError, TemplateError): nothing was invoked."""
    spec = resolve(function, template)
    try:
        return Invocation(result=_call(spec, event))
    except Exception as error:  # the function failed, as Lambda would report it
        return Invocation(error=error)


def result_status(result: Any) -> int:
    """API proxy response: its statusCode; authorizer policy: 200 Allow / 403 Deny; a report: its status."""
    if isinstance(result, Mapping):
        if "statusCode" in result:
            return int(result["statusCode"])
        if "policyDocument" in result:
            effects = {s.get("Effect") for s in result["policyDocument"].get("Statement", [])}
            return 200 if effects == {"Allow"} else 403
        if isinstance(result.get("status"), int):
            return int(result["status"])
    return 200


def error_status(error: BaseException) -> int:
    if str(error) == "Unauthorized":
        return 401  # API Gateway's contract with an authorizer that raises "Unauthorized"
    if isinstance(error, DeltacloudError):
        return error.status
    return 500


def lambda_error(error: BaseException) -> dict[str, str]:
    """How Lambda reports a function error."""
    return {"errorMessage": str(error), "errorType": type(error).__name__}
