"""The wheel carries everything a scan needs, and works with no source tree around."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PROJECT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(out), str(PROJECT)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("dicomguard-*.whl")
    return built


def test_wheel_contains_every_subpackage_policy_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    source = PROJECT / "checker"
    for init in source.rglob("__init__.py"):
        assert init.relative_to(source).as_posix() in names, "add it to pyproject packages"
    for policy in (PROJECT / "policies").rglob("*.rego"):
        if not policy.name.endswith("_test.rego"):
            relative = policy.relative_to(PROJECT / "policies").as_posix()
            assert f"dicomguard/builtin_policies/{relative}" in names
    assert "dicomguard/builtin_policies/data.json" in names
    for examples in (PROJECT / "policies").rglob("*.examples.yaml"):
        assert f"dicomguard/builtin_policies/{examples.name}" in names, "the rule pages need it"
    for schema in (source / "dicomguard" / "schemas").glob("*.json"):
        assert f"dicomguard/schemas/{schema.name}" in names


def test_wheel_carries_the_license_and_the_one_version(wheel: Path) -> None:
    from dicomguard import __version__

    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    info = f"dicomguard-{__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    license_text = archive.read(f"{info}/licenses/LICENSE").decode()
    assert "Apache License" in license_text and "END OF TERMS AND CONDITIONS" in license_text
    metadata = archive.read(f"{info}/METADATA").decode()
    assert f"Version: {__version__}\n" in metadata
    assert "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Programming Language :: Python :: 3.13" in metadata
    assert "platform_machine == \"aarch64\"" in metadata


def test_installed_wheel_scans_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    """A fresh virtualenv, as a user makes one: the wheel brings its own dependencies. (A venv
    with system site-packages would see the base interpreter's packages, not the ones this
    suite runs with, and would prove nothing about the wheel's dependency list.)"""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    where = subprocess.run([str(python), "-c", "import dicomguard; print(dicomguard.__file__)"],
                           cwd=workdir, check=True, capture_output=True, text=True)
    assert str(environment) in where.stdout
    command = environment / "bin" / "dicomguard"
    from dicomguard import __version__

    version = subprocess.run([str(command), "--version"], cwd=workdir,
                             capture_output=True, text=True)
    assert version.stdout.strip() == f"dicomguard {__version__}", version.stderr
    listing = subprocess.run([str(command), "policies", "list"], cwd=workdir,
                             capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "DG101" in listing.stdout
    pages = subprocess.run([str(command), "policies", "docs", "-o", "rules"], cwd=workdir,
                           capture_output=True, text=True)
    assert pages.returncode == 0, pages.stderr
    assert "### Terraform (AWS)" in (workdir / "rules" / "DG101.md").read_text()
    insecure = EXAMPLES / "terraform" / "insecure-pacs"
    if insecure.is_dir():
        scan = subprocess.run([str(command), "scan", str(insecure), "--no-color"], cwd=workdir,
                              capture_output=True, text=True)
        assert scan.returncode == 1, scan.stdout + scan.stderr
        assert "DG101" in scan.stdout
