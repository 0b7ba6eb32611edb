"""Every report names files relative to the repository root, whatever the working directory."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLES / "terraform" / "insecure-pacs", root / "infra" / "pacs")
    (tmp_path / "elsewhere").mkdir()
    return root


def _files(format_name: str, output: str) -> set[str]:
    if format_name == "json":
        return {finding["file"] for finding in json.loads(output)["findings"]}
    if format_name == "sarif":
        results = json.loads(output)["runs"][0]["results"]
        return {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for result in results}
    if format_name == "junit":
        return {case.get("classname") for case in ElementTree.fromstring(output).iter("testcase")
                if "/" in case.get("classname")}
    if format_name == "github":
        return {line.split("file=")[1].split(",")[0] for line in output.splitlines()
                if "file=" in line}
    return {line for line in output.splitlines() if line and not line.startswith((" ", "dicom"))}


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "junit", "github"])
def test_paths_are_relative_to_the_repository_from_any_directory(cli, repository,
                                                                 format_name):
    result = cli("scan", str(repository / "infra"), "--format", format_name,
                 cwd=repository.parent / "elsewhere")
    assert result.returncode == 1, result.stderr
    files = _files(format_name, result.stdout)
    assert "infra/pacs/network.tf" in files
    assert all(file.startswith("infra/pacs/") for file in files), files


def test_sarif_names_the_repository_as_its_source_root(cli, repository, shared_dir):
    result = cli("scan", str(repository), "--format", "sarif", cwd=repository.parent / "elsewhere")
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(
        (shared_dir / "schemas" / "sarif-schema-2.1.0.json").read_text()))
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repository.resolve().as_uri() + "/"
    locations = [result["locations"][0]["physicalLocation"]["artifactLocation"]
                 for result in run["results"]]
    assert {location["uriBaseId"] for location in locations} == {"%SRCROOT%"}


def test_repo_root_sets_the_root_paths_are_relative_to(cli, repository):
    result = cli("scan", str(repository / "infra"), "--format", "json",
                 "--repo-root", str(repository / "infra"), cwd=repository.parent / "elsewhere")
    document = json.loads(result.stdout)
    assert document["root"] == str((repository / "infra").resolve())
    assert "pacs/network.tf" in {finding["file"] for finding in document["findings"]}


def test_a_missing_repo_root_is_a_usage_error(cli, repository):
    result = cli("scan", str(repository), "--repo-root", str(repository / "nowhere"))
    assert result.returncode == 2
    assert f"--repo-root {repository / 'nowhere'}: no such directory" in result.stderr
