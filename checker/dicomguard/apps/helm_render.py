"""`helm template` on a private copy of a chart, confined: no network, no cluster, no user
configuration, a time limit and a cap on what it may write.

Rendering runs a template engine on input from the scanned repository, so helm gets nothing it
could reach out with: an environment of its own (no inherited variables, so no proxy settings,
tokens or kube contexts), KUBECONFIG on /dev/null, HOME, XDG and HELM_* directories inside a
fresh temporary directory, proxies pointing at a closed local port, plugins off, and no option
that fetches (no --repo, no dependency update). In template mode `lookup` returns nothing and
`.Files` holds only the chart's own files, which were copied as regular files (helm_chart).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
from pathlib import Path

from dicomguard.records import record

RELEASE_NAME = "release-name"  # what `helm template` calls a release it is not told the name of
LARGEST_OUTPUT_BYTES = 32 * 1024 * 1024
CLOSED_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers


@record
class Rendered:
    """What helm printed: the manifests, or why it failed (exit status and stderr)."""

    manifests: str | None
    failure: str = ""


def helm_binary() -> str | None:
    """helm on PATH, or None."""
    return shutil.which("helm")


def confined_environment(home: Path) -> dict[str, str]:
    """The only environment helm runs with: every place it could read settings from or write
    caches to lies under home, a fresh directory."""
    places = {name: home / folder for name, folder in (
        ("HOME", "home"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"), ("HELM_CACHE_HOME", "helm-cache"),
        ("HELM_CONFIG_HOME", "helm-config"), ("HELM_DATA_HOME", "helm-data"),
        ("HELM_PLUGINS", "helm-plugins"))}
    for place in places.values():
        place.mkdir(parents=True, exist_ok=True)
    return {
        **{name: str(place) for name, place in places.items()},
        "PATH": "/nonexistent",
        "KUBECONFIG": "/dev/null",
        "HELM_REGISTRY_CONFIG": str(home / "helm-config" / "registry.json"),
        "HELM_REPOSITORY_CONFIG": str(home / "helm-config" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "helm-cache" / "repository"),
        "HELM_NO_PLUGINS": "1",
        "HTTP_PROXY": CLOSED_PROXY, "HTTPS_PROXY": CLOSED_PROXY, "NO_PROXY": "",
        "http_proxy": CLOSED_PROXY, "https_proxy": CLOSED_PROXY, "no_proxy": "",
    }


def _cap_written_bytes() -> None:  # runs in the child before helm starts
    resource.setrlimit(resource.RLIMIT_FSIZE, (LARGEST_OUTPUT_BYTES, LARGEST_OUTPUT_BYTES))


def render(binary: str, chart: Path, values_files: list[Path], work: Path,
           seconds: float) -> Rendered:
    """`helm template` of the chart copy at `chart`, with the given values files on top of its
    own, writing only under work."""
    command = [binary, "template", RELEASE_NAME, str(chart)]
    for values in values_files:
        command += ["--values", str(values)]
    output, errors = work / "rendered.yaml", work / "stderr.txt"
    try:
        with output.open("wb") as stdout, errors.open("wb") as stderr:
            completed = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd=work,
                env=confined_environment(work / "env"), timeout=seconds, check=False,
                preexec_fn=_cap_written_bytes)
    except subprocess.TimeoutExpired:
        return Rendered(None, f"helm template took longer than {seconds:g} s; not rendered")
    except OSError as error:
        return Rendered(None, f"helm could not be run: {error.strerror or error}")
    if output.stat().st_size >= LARGEST_OUTPUT_BYTES:
        return Rendered(None, f"helm template wrote more than "
                              f"{LARGEST_OUTPUT_BYTES // (1024 * 1024)} MiB; not rendered")
    if completed.returncode != 0:
        message = errors.read_bytes()[-4000:].decode("utf-8", "replace").strip()
        return Rendered(None, message or f"helm template failed (exit {completed.returncode})")
    return Rendered(output.read_bytes().decode("utf-8", "replace"))
