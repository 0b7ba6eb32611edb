"""OPA bundles of the policies: the layout `opa run --bundle` and `opa eval --bundle` load as-is.

A bundle holds every Rego module (tests left out), the merged data at the root `data.json`, and a
`.manifest` whose revision names the dicomguard version and a digest of the content, and whose
roots claim exactly the top-level names the policies and data use.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

from dicomguard import __version__
from dicomguard.policies import PolicySet, builtin_policy_dir

_PACKAGE_LINE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)


def module_names(policies: PolicySet) -> dict[str, str]:
    """A stable name under `dicomguard/` for each module: built-in modules keep their relative
    path, user modules are named by package and file name, so pushing the same policy again
    from any checkout replaces it instead of adding a second copy."""
    builtin = builtin_policy_dir().resolve()
    names: dict[str, str] = {}
    for path, source in policies.modules.items():
        resolved = Path(path).resolve()
        if resolved.is_relative_to(builtin):
            name = f"dicomguard/builtin/{resolved.relative_to(builtin).as_posix()}"
        else:
            match = _PACKAGE_LINE.search(source)
            package = match.group(1) if match else "no-package"
            name = f"dicomguard/user/{package}/{resolved.name}"
        while name in names.values():
            name = f"{name.removesuffix('.rego')}_.rego"
        names[path] = name
    return names


def roots(policies: PolicySet) -> list[str]:
    """The top-level names of every package and data document, which the bundle owns."""
    found = {"dicomguard"}
    for source in policies.modules.values():
        match = _PACKAGE_LINE.search(source)
        if match:
            found.add(match.group(1).split(".")[0])
    found.update(policies.data)
    return sorted(found)


def bundle_files(policies: PolicySet) -> dict[str, bytes]:
    """Every file of the bundle, path -> content, the `.manifest` included."""
    files = {name: policies.modules[path].encode("utf-8")
             for path, name in module_names(policies).items()}
    files["data.json"] = json.dumps(policies.data, indent=2, sort_keys=True).encode("utf-8")
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name] + b"\0")
    manifest = {
        "revision": f"dicomguard-{__version__}-{digest.hexdigest()[:16]}",
        "roots": roots(policies),
        "rego_version": 1,
        "metadata": {"producer": "dicomguard", "version": __version__},
    }
    files[".manifest"] = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    return files


def revision(files: dict[str, bytes]) -> str:
    return str(json.loads(files[".manifest"])["revision"])


def write_directory(files: dict[str, bytes], directory: Path) -> None:
    for name, content in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def write_archive(files: dict[str, bytes], output: Path) -> None:
    """A reproducible .tar.gz: sorted entries, fixed times and owners, so the same policies
    always give the same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            content = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(content))
    compressed = gzip.compress(buffer.getvalue(), mtime=0)
    output.write_bytes(compressed)
