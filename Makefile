# Build of the shared Lambda layer (CoreLayer in template.yaml).
#
#   sam build          SAM runs `make build-CoreLayer` with ARTIFACTS_DIR set
#                      (template.yaml: CoreLayer Metadata: BuildMethod: makefile)
#   make layer         the same recipe without SAM, into build/layer/
#                      (override: make layer ARTIFACTS_DIR=/some/dir)
#
# Result: $(ARTIFACTS_DIR)/python/ — which Lambda mounts at /opt/python — holding
#   deltacloud/                  the core package (layers/core/deltacloud)
#   deltacloud/drivers/          the drivers (drivers/), so `deltacloud.drivers` imports the same
#                                everywhere
#   deltacloud_proxy-*.dist-info entry points of the group `deltacloud.drivers` (driver registry)
#   third-party packages         layers/core/requirements.txt, Linux wheels for CPython 3.12
# pruned (libcloud's test fixtures, boto3/botocore, __pycache__) and compiled to
# unchecked-hash bytecode: /opt is read-only, so Python need not stat sources at import time.

ARTIFACTS_DIR ?= build/layer

# Keep in sync with `Architectures` / `CompatibleArchitectures` in template.yaml.
# x86_64 (pip platform tag) or aarch64 (Lambda's arm64).
LAYER_ARCH ?= x86_64
LAYER_PYTHON_VERSION ?= 3.12
PIP_PLATFORM ?= manylinux2014_$(LAYER_ARCH)

# An interpreter of the Lambda runtime's version compiles bytecode Lambda will actually use
# (__pycache__/*.cpython-312.pyc); any other version's .pyc files are ignored there.
# Search python3.12 on PATH, then pyenv's installs, else fall back to python3 (with a warning).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python$(LAYER_PYTHON_VERSION) \
	"$$(pyenv root 2>/dev/null)"/versions/$(LAYER_PYTHON_VERSION).*/bin/python$(LAYER_PYTHON_VERSION) \
	python3; do "$$p" -c 'import sys' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
endif
PIP ?= $(PYTHON) -m pip

# The distribution name/version written into the layer's dist-info.
DIST_NAME := deltacloud_proxy
DIST_VERSION ?= $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n 1)
# Drivers registered in the layer (entry-point group `deltacloud.drivers`): name=module:Class,
# read from pyproject.toml so the layer and a local install always register the same drivers.
LAYER_DRIVERS ?= $(shell $(PYTHON) -c 'import tomllib; \
	eps = tomllib.load(open("pyproject.toml", "rb"))["project"]["entry-points"]["deltacloud.drivers"]; \
	print(" ".join(f"{name}={target}" for name, target in eps.items()))')
# Removed from python/ after pip: the SDKs the Lambda runtime ships (if a dependency pulls them
# in), console scripts, libcloud's bundled test fixtures (~18 MB) and Powertools' offline Swagger UI
# assets (~1.7 MB; only used by its own APIGatewayResolver.enable_swagger(offline=True)).
LAYER_PRUNE ?= boto3 botocore s3transfer bin libcloud/test \
	aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui-bundle.min.js \
	aws_lambda_powertools/event_handler/openapi/swagger_ui/swagger-ui.min.css

LAYER_PY = $(ARTIFACTS_DIR)/python
DIST_INFO = $(LAYER_PY)/$(DIST_NAME)-$(DIST_VERSION).dist-info

# The functions' code, built by SAM (template.yaml: `Metadata: BuildMethod: makefile`,
# `ContextPath: .`): SAM copies the function's CodeUri folder to a scratch directory and runs
# `make build-<LogicalId>` there. The code is copied to $(ARTIFACTS_DIR) and compiled to unchecked-hash
# bytecode like the layer: `sam build` ships no .pyc for python3.12 functions and /var/task is read-only,
# so without it every cold start compiles the function's modules. Without SAM:
#   make build-DeltacloudFunction FUNCTION_SOURCE=functions/deltacloud ARTIFACTS_DIR=/some/dir
FUNCTION_SOURCE ?= .
FUNCTIONS := DeltacloudFunction CimiFunction Ec2Function AuthorizerFunction AutomationFunction

.PHONY: build-CoreLayer layer print-layer-python clean-layer $(addprefix build-,$(FUNCTIONS))

$(addprefix build-,$(FUNCTIONS)):
	@test -n "$(PYTHON)" || { echo "no python3 found (set PYTHON=...)" >&2; exit 1; }
	@test "$(origin ARTIFACTS_DIR)" != file || { echo "set ARTIFACTS_DIR=... (the layer's default is no place for $@)" >&2; exit 1; }
	mkdir -p "$(ARTIFACTS_DIR)"
	cp -R "$(FUNCTION_SOURCE)"/. "$(ARTIFACTS_DIR)"
	find "$(ARTIFACTS_DIR)" -depth \( -name __pycache__ -o -name '*.egg-info' -o -name .pytest_cache \) \
		-type d -exec rm -rf {} +
	find "$(ARTIFACTS_DIR)" \( -name '*.pyc' -o -name '*.pyo' -o -name .DS_Store \) -type f -delete
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)"

build-CoreLayer:
	@test -n "$(PYTHON)" || { echo "no python3 found (set PYTHON=...)" >&2; exit 1; }
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	echo "CoreLayer -> $(LAYER_PY) ($(PIP_PLATFORM), CPython $(LAYER_PYTHON_VERSION); bytecode by $(PYTHON) $$v)"; \
	if [ "$$v" != "$(LAYER_PYTHON_VERSION)" ]; then \
	  echo "WARNING: $(PYTHON) is Python $$v: its bytecode is useless on the python$(LAYER_PYTHON_VERSION) runtime" \
	       "(slower cold starts). Install Python $(LAYER_PYTHON_VERSION) or pass PYTHON=/path/to/python$(LAYER_PYTHON_VERSION)." >&2; \
	fi
	rm -rf "$(LAYER_PY)"
	mkdir -p "$(LAYER_PY)"
	@# third-party wheels for the Lambda platform, whatever this machine is
	$(PIP) install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile \
		--platform $(PIP_PLATFORM) --implementation cp --python-version $(LAYER_PYTHON_VERSION) \
		--only-binary=:all: --target "$(LAYER_PY)" -r layers/core/requirements.txt
	@# the core package, then the drivers as its `drivers` sub-package
	cp -R layers/core/deltacloud "$(LAYER_PY)/deltacloud"
	rm -rf "$(LAYER_PY)/deltacloud/drivers"
	cp -R drivers "$(LAYER_PY)/deltacloud/drivers"
	@# minimal dist-info so importlib.metadata finds the driver entry points in /opt/python
	mkdir -p "$(DIST_INFO)"
	printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n' \
		"$(subst _,-,$(DIST_NAME))" "$(DIST_VERSION)" "Deltacloud proxy core layer" > "$(DIST_INFO)/METADATA"
	{ echo "[deltacloud.drivers]"; \
	  for ep in $(LAYER_DRIVERS); do echo "$${ep%%=*} = $${ep#*=}"; done; } > "$(DIST_INFO)/entry_points.txt"
	echo deltacloud > "$(DIST_INFO)/top_level.txt"
	@# prune: runtime-provided SDKs, console scripts, test fixtures, caches, editor/OS litter
	for p in $(LAYER_PRUNE); do rm -rf "$(LAYER_PY)/$$p"; done
	rm -rf "$(LAYER_PY)"/boto3-*.dist-info "$(LAYER_PY)"/botocore-*.dist-info "$(LAYER_PY)"/s3transfer-*.dist-info
	find "$(LAYER_PY)" -depth \( -name __pycache__ -o -name '*.egg-info' -o -name .pytest_cache \) \
		-type d -exec rm -rf {} +
	find "$(LAYER_PY)" \( -name '*.pyc' -o -name '*.pyo' -o -name .DS_Store \) -type f -delete
	@# RECORD only serves `pip uninstall`; nothing in Lambda reads it
	find "$(LAYER_PY)" -path '*.dist-info/RECORD' -type f -delete
	@# bytecode for the runtime, never re-validated against the (read-only) sources
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(LAYER_PY)"
	@$(PYTHON) -c 'import os, sys; print("CoreLayer size (unzipped): %.1f MB" % (sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sys.argv[1]) for f in fs) / 1e6))' "$(LAYER_PY)"

layer:
	$(MAKE) --no-print-directory build-CoreLayer ARTIFACTS_DIR="$(ARTIFACTS_DIR)"

# Used by the tests: which interpreter compiles the layer's bytecode.
print-layer-python:
	@$(PYTHON) -c 'import sys; print(sys.executable, "%d.%d" % sys.version_info[:2])'

clean-layer:
	rm -rf build/layer
