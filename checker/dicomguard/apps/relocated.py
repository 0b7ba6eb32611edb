"""Facts built from a rendered text (a Helm chart's output, a kustomization's resources laid
end to end), moved back to the files and lines that wrote each part of it."""

from __future__ import annotations

import os
from pathlib import Path

from dicomguard.apps.helm_positions import Position
from dicomguard.model import CollectResult, ScanError

FACT_KINDS = ("ingress", "storage", "services", "grants")


def built_by(directory: Path, file: str) -> str:
    """What a resource address says of the build that produced it, for a file outside the
    build's own directory (a base several overlays share): the directory as seen from the
    file, which stays the same wherever the scan is run from."""
    here = Path(file).absolute().parent
    if here == directory or directory in here.parents:
        return ""
    return f" (built by {os.path.relpath(directory, here)})"


def relocated(found: CollectResult, rendered_name: str, positions: dict[int, Position],
              fallback: Position, errors: list[ScanError], unit: str = "",
              builder: Path | None = None) -> CollectResult:
    """found with every origin and error on the rendered output moved to the line of the file
    that wrote it; fact ids are rebuilt from the moved origins, with unit (what rendered them,
    when one file can be rendered by several) among their structural keys. A fact moved to a
    file outside builder (the directory of what rendered it) names builder in its address, so
    that the findings of two builds of one shared file stay apart."""
    from dicomguard.discover import display_path

    def place(line: int | None) -> tuple[str, int]:
        position = positions.get(line or 0, fallback)
        return display_path(position.file) if position.file.is_absolute() else \
            str(position.file), position.line

    used: set[str] = set()
    for kind in FACT_KINDS:
        for fact in getattr(found.facts, kind):
            for listener in fact.get("listeners") or []:
                nested = listener.get("tls_origin")
                if isinstance(nested, dict) and nested.get("file") == rendered_name:
                    file, line = place(nested["line"])
                    nested.update(file=file, line=line, end_line=line)
            origin = fact["origin"]
            if origin["file"] != rendered_name:
                continue
            file, line = place(origin["line"])
            end_file, end_line = place(origin["end_line"])
            address = origin["address"]
            if builder is not None and address:
                origin["address"] += built_by(builder, file)
            old_base = f"{rendered_name}:{origin['line']}:{address}"
            rest = fact["id"][len(old_base):] if fact["id"].startswith(old_base) else ""
            new_id = f"{file}:{line}:{origin['address']}" + (f"#{unit}" if unit else "") + rest
            if new_id in used:  # two rendered places written by one template line
                new_id = f"{new_id}~rendered{origin['line']}"
            used.add(new_id)
            fact["id"] = new_id
            origin.update(file=file, line=line,
                          end_line=end_line if end_file == file and end_line >= line else line)
    for error in found.errors:
        if error.file == rendered_name:
            file, line = place(error.line)
            errors.append(ScanError(file, line, error.message))
        else:
            errors.append(error)
    return CollectResult(found.facts)
