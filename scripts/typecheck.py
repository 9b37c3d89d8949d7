"""Type-check the project with mypy: ``.venv/bin/python scripts/typecheck.py [mypy options]``.

The packages live in folders that do not spell their import names (pyproject.toml's
``[tool.setuptools] package-dir``: ``drivers/`` is ``deltacloud.drivers``), and the editable install
maps them with an import hook mypy cannot follow. So this runs mypy's own command line processing
(its settings are ``[tool.mypy]`` in pyproject.toml) over those folders, renames each file's module
after the mapping, and type-checks them: every error names the real file, relative to the repository.
Tests are not checked: ruff does not require their annotations, and checking them would double the time.
"""

import os
import sys
import time
import tomllib
from pathlib import Path

from mypy import util
from mypy.fscache import FileSystemCache
from mypy.main import process_options, run_build

ROOT = Path(__file__).resolve().parent.parent


def package_folders() -> dict[Path, str]:
    """Each mapped package's folder -> its import name, from setuptools' ``package-dir``."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        mapping: dict[str, str] = tomllib.load(file)["tool"]["setuptools"]["package-dir"]
    return {ROOT / folder: package for package, folder in mapping.items()}


def import_name(path: Path, packages: dict[Path, str]) -> str | None:
    """The module ``path`` imports as: the nearest mapped folder's package and the rest of the path
    (None outside every mapped folder)."""
    for folder in path.parents:
        if folder in packages:
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join([packages[folder], *parts])
    return None


def main(arguments: list[str]) -> int:
    started = time.time()
    os.chdir(ROOT)  # error paths relative to the repository, and mypy finds pyproject.toml
    packages = package_folders()
    fscache = FileSystemCache()
    targets = [str(folder.relative_to(ROOT)) for folder in packages] + ["scripts"]
    sources, options = process_options([*arguments, *targets], fscache=fscache)
    for source in sources:
        module = import_name(ROOT / source.path, packages) if source.path else None
        if module is not None:
            source.module = module
    _, messages, blockers = run_build(sources, options, fscache, started, sys.stdout, sys.stderr)
    errors, _, files = util.count_stats(messages)
    formatter = util.FancyFormatter(sys.stdout, sys.stderr, options.hide_error_codes)
    if errors:
        print(formatter.format_error(errors, files, len(sources), blockers=blockers, use_color=options.color_output))
        return 2 if blockers else 1
    print(formatter.format_success(len(sources), options.color_output))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
