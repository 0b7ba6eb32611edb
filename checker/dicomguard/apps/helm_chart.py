"""A Helm chart of the scanned tree, made ready for `helm template` without trusting it.

The chart is copied into a private directory as regular files only: helm's loader follows
symbolic links, and a template's `.Files.Get` returns whatever the chart holds, so a link to a
file outside the tree would be read and rendered into the output. The copy holds only what lies
inside the chart as plain files; links are left out, and said so. Dependencies are never fetched:
a chart that lists one missing under charts/ is not rendered.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from dicomguard.model import InputError
from dicomguard.regular_files import open_regular

LARGEST_CHART_BYTES = 32 * 1024 * 1024
LARGEST_CHART_FILES = 5000


def chart_metadata(chart_file: Path) -> dict[str, Any]:
    """Chart.yaml as a mapping; an InputError with its line when it is not one."""
    try:
        with open_regular(chart_file) as handle:
            document = yaml.safe_load(handle.read().decode("utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(error, 'problem', error)}",
                         mark.line + 1 if mark else None) from None
    if not isinstance(document, dict):
        raise InputError("Chart.yaml is not a mapping", 1)
    return document


def _requirements(chart_dir: Path, metadata: dict[str, Any]) -> list[Any]:
    """Dependencies of Chart.yaml (apiVersion v2) or of requirements.yaml (v1)."""
    listed = metadata.get("dependencies")
    if listed is None and (chart_dir / "requirements.yaml").is_file():
        listed = (chart_metadata(chart_dir / "requirements.yaml") or {}).get("dependencies")
    return listed if isinstance(listed, list) else []


def missing_dependencies(chart_dir: Path, metadata: dict[str, Any]) -> list[str]:
    """Names of dependencies not vendored under charts/ (as a directory or a .tgz)."""
    vendored = chart_dir / "charts"
    missing = []
    for dependency in _requirements(chart_dir, metadata):
        name = str(dependency.get("name")) if isinstance(dependency, dict) else str(dependency)
        if (vendored / name / "Chart.yaml").is_file() or any(vendored.glob(f"{name}-*.tgz")):
            continue
        missing.append(name)
    return missing


def copy_chart(chart_dir: Path, into: Path) -> list[str]:
    """Copy the chart's regular files into `into`; the paths left out (links, devices)."""
    left_out: list[str] = []
    total = files = 0
    for directory, subdirectories, names in os.walk(chart_dir, followlinks=False):
        here = Path(directory)
        target = into / here.relative_to(chart_dir)
        target.mkdir(parents=True, exist_ok=True)
        for name in sorted([*subdirectories, *names]):
            mode = (here / name).lstat().st_mode
            if stat.S_ISDIR(mode):
                continue
            relative = str((here / name).relative_to(chart_dir))
            if not stat.S_ISREG(mode):
                left_out.append(relative)
                continue
            files += 1
            total += (here / name).lstat().st_size
            if total > LARGEST_CHART_BYTES or files > LARGEST_CHART_FILES:
                raise InputError(f"the chart holds more than {LARGEST_CHART_FILES} files or "
                                 f"{LARGEST_CHART_BYTES // (1024 * 1024)} MiB; not rendered")
            with open_regular(here / name) as source:
                (target / name).write_bytes(source.read())
        subdirectories[:] = [name for name in subdirectories
                             if stat.S_ISDIR((here / name).lstat().st_mode)]
    return left_out


def copy_values_file(path: Path, into: Path, index: int) -> Path:
    """A configured values file, copied (regular files only) to be given to helm."""
    target = into / f"values-{index}.yaml"
    with open_regular(path) as source:
        target.write_bytes(source.read())
    return target
