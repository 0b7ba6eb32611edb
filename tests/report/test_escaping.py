"""Names, values, paths and source lines from a scanned repository cannot forge report lines,
drive a terminal, or start a GitHub Actions workflow command in a CI log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_cli import _on_a_terminal

EVIL_NAME = "evil\n::error file=x::INJECTED\x1b[31m"
EVIL_DIRECTORY = "::warning title=dir::pwned"
TERMINAL_TITLE = "\x1b]0;owned\x07\x1b[2J"
# What the runner reads as a workflow command: `::` after leading spaces, then another `::`.
WORKFLOW_COMMAND = re.compile(r"^\s*::.*::")


@pytest.fixture
def hostile_repository(tmp_path: Path) -> Path:
    compose = ('services:\n  "evil\\n::error file=x::INJECTED\\x1b[31m":\n'
               '    image: orthancteam/orthanc\n    ports: ["4242:4242"]\n')
    (tmp_path / "docker-compose.yml").write_text(compose, encoding="utf-8")
    (tmp_path / EVIL_DIRECTORY).mkdir()
    (tmp_path / EVIL_DIRECTORY / "docker-compose.yml").write_text(
        compose.replace('"evil\\n::error file=x::INJECTED\\x1b[31m"', "pacs"), encoding="utf-8")
    (tmp_path / "main.tf").write_text(
        'resource "aws_ebs_volume" "images" {\n  size = 10\n'
        f"  encrypted = false # {TERMINAL_TITLE}\n}}\n", encoding="utf-8")
    return tmp_path


def test_text_shows_control_characters_as_escapes(hostile_repository: Path) -> None:
    result = run_cli("scan", ".", cwd=hostile_repository)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert not [line for line in result.stdout.splitlines() if WORKFLOW_COMMAND.match(line)]
    assert "  services.evil\\n::error file=x::INJECTED\\x1b[31m\n" in result.stdout
    assert "3 | encrypted = false # \\x1b]0;owned\\x07\\x1b[2J\n" in result.stdout
    assert "\\x3a:warning title=dir::pwned/docker-compose.yml:2  services.pacs" in result.stdout


def test_text_on_a_terminal_keeps_its_colours_and_escapes_the_repositorys(
        hostile_repository: Path) -> None:
    shown = _on_a_terminal(["scan", str(hostile_repository)], {})
    assert "\x1b[1;31mCRITICAL\x1b[0m" in shown
    assert "\x1b[31m\n" not in shown and "\x1b]0;owned" not in shown
    assert "INJECTED\\x1b[31m" in shown


def test_github_annotations_stay_one_line_each_without_escape_sequences(
        hostile_repository: Path) -> None:
    result = run_cli("scan", ".", "--format", "github", cwd=hostile_repository)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    lines = result.stdout.splitlines()
    assert all(re.match(r"::(error|warning) (file=|title=)", line) for line in lines), lines
    evil = [line for line in lines if "INJECTED" in line]
    assert evil and all("services.evil%0A::error file=x::INJECTED\\x1b[31m" in line
                        for line in evil)
    assert any(line.startswith(
        f"::error file={EVIL_DIRECTORY.replace(':', '%3A').replace(',', '%2C')}/docker-compose.yml,"
        ) for line in lines)
