"""The local OPA engine: `opa eval` on files, no server. Also the engine for machines where
regopy has no wheel (macOS, Linux aarch64 before glibc 2.34)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from dicomguard.engines import BINARY_VARIABLE, EngineError, deny_sets
from dicomguard.engines.sandbox import refuse_forbidden_calls, restricted_capabilities
from dicomguard.policies import RULES_PACKAGE, PolicySet

EVAL_TIMEOUT_SECONDS = 120
_VERSION_LINE = re.compile(r"^Version:\s*v?(\d+)\.(\d+)", re.MULTILINE)


def find_opa_binary() -> str | None:
    """$DICOMGUARD_OPA_BINARY, else `opa` on PATH."""
    configured = os.environ.get(BINARY_VARIABLE)
    if configured:
        return configured
    return shutil.which("opa")


def opa_version(binary: str) -> tuple[int, int] | None:
    try:
        completed = subprocess.run([binary, "version"], capture_output=True, text=True,
                                   timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION_LINE.search(completed.stdout)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _error_text(completed: subprocess.CompletedProcess[str]) -> str:
    """OPA's own error messages: JSON on stdout with --format json, else whatever it printed."""
    try:
        errors = json.loads(completed.stdout).get("errors", [])
    except (json.JSONDecodeError, AttributeError):
        errors = []
    lines = []
    for error in errors:
        location = error.get("location") or {}
        where = f"{location.get('file')}:{location.get('row')}: " if location else ""
        lines.append(f"{where}{error.get('message', error)}")
    return "\n".join(lines) or completed.stderr.strip() or completed.stdout.strip()


class LocalOpaEngine:
    def __init__(self, binary: str | None = None) -> None:
        found = binary or find_opa_binary()
        if not found:
            raise EngineError(
                "--engine opa without --opa-url needs the opa binary: put it on PATH or set "
                f"{BINARY_VARIABLE} (https://www.openpolicyagent.org/docs/#running-opa)")
        self.binary = found
        self._capabilities: dict[str, Any] | None = None

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        from dicomguard.bundle import bundle_files, module_names, write_directory

        refuse_forbidden_calls(policies.modules)
        with tempfile.TemporaryDirectory(prefix="dicomguard-opa-") as workdir:
            bundle = Path(workdir) / "bundle"
            write_directory(bundle_files(policies), bundle)
            input_file = Path(workdir) / "input.json"
            input_file.write_text(json.dumps(facts_input), encoding="utf-8")
            capabilities = Path(workdir) / "capabilities.json"
            capabilities.write_text(json.dumps(self.capabilities()), encoding="utf-8")
            completed = self._run(["eval", "--format", "json", "--bundle", str(bundle),
                                   "--capabilities", str(capabilities),
                                   "--input", str(input_file), f"data.{RULES_PACKAGE}"])
        if completed.returncode != 0:
            message = self._failure(completed)
            for path, name in module_names(policies).items():
                message = message.replace(str(bundle / name), path)
            raise EngineError(message)
        try:
            result = json.loads(completed.stdout).get("result") or []
            value = result[0]["expressions"][0]["value"] if result else None
        except (json.JSONDecodeError, AttributeError, LookupError, TypeError) as error:
            raise EngineError(f"{self.binary} eval gave output dicomguard cannot read: "
                              f"{completed.stdout[:200]!r}") from error
        return deny_sets(value)

    def capabilities(self) -> dict[str, Any]:
        """This binary's own capabilities less the built-ins that reach the network or the
        environment (see engines/sandbox.py), asked once per engine."""
        if self._capabilities is None:
            completed = self._run(["capabilities", "--current"])
            if completed.returncode != 0:
                raise EngineError(self._failure(completed, "capabilities"))
            self._capabilities = restricted_capabilities(completed.stdout)
        return self._capabilities

    def _run(self, arguments: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self.binary, *arguments], capture_output=True, text=True,
                                  timeout=EVAL_TIMEOUT_SECONDS, check=False)
        except FileNotFoundError as error:
            raise EngineError(f"{self.binary}: OPA binary not found") from error
        except PermissionError as error:
            raise EngineError(f"{self.binary}: OPA binary is not executable") from error
        except OSError as error:
            raise EngineError(f"{self.binary}: cannot run OPA: {error}") from error
        except subprocess.TimeoutExpired as error:
            raise EngineError(f"{self.binary} eval did not finish within "
                              f"{EVAL_TIMEOUT_SECONDS} s") from error

    def _failure(self, completed: subprocess.CompletedProcess[str], command: str = "eval"
                 ) -> str:
        version = opa_version(self.binary)
        if version is not None and version < (1, 0):
            return (f"{self.binary} is OPA {version[0]}.{version[1]}; dicomguard policies are "
                    "Rego v1 and need OPA 1.0 or later")
        return f"{self.binary} {command} failed:\n{_error_text(completed)}"
