"""Helm charts: rendered with a local `helm template` (helm_render), read as Kubernetes
manifests, and reported at the template lines that wrote them (helm_positions).

A chart vendored under another chart's charts/ is rendered with its parent only. Without helm
on PATH, or with dependencies that are not vendored, a chart is a note and its templates are not
read (they are not YAML until rendered).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from dicomguard.apps.helm_chart import (
    chart_metadata,
    copy_chart,
    copy_values_file,
    missing_dependencies,
)
from dicomguard.apps.helm_positions import Position, TemplateLines, line_map, source_blocks
from dicomguard.apps.helm_render import helm_binary, render
from dicomguard.apps.placed_files import within_roots
from dicomguard.apps.relocated import relocated
from dicomguard.facts import note
from dicomguard.model import CollectResult, InputError, Origin, ScanError, SourceFile
from dicomguard.units import BUDGET, unit_budget, unit_error


def chart_directories(files: list[SourceFile]) -> list[Path]:
    """The directories of the scanned charts, resolved."""
    return [Path(source.path).resolve().parent for source in files
            if source.kind == "helm-chart"]


def rendered_with_a_parent(chart_dir: Path, charts: list[Path]) -> bool:
    """A chart vendored under another scanned chart's charts/ directory."""
    return any(chart_dir.is_relative_to(parent / "charts") for parent in charts
               if parent != chart_dir)


def in_chart(path: str, charts: list[Path]) -> bool:
    """A file helm reads as part of a chart: its templates and vendored subcharts are read
    once rendered, never as they stand."""
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(chart / folder) for chart in charts
               for folder in ("templates", "charts"))


def collect_chart(source: SourceFile, charts: list[Path], context: Any) -> CollectResult:
    """Facts of one chart, or the note or error that says why there are none."""
    from dicomguard.discover import display_path

    result = CollectResult()
    chart_file = Path(source.path)
    chart_dir = chart_file.resolve().parent
    if rendered_with_a_parent(chart_dir, charts):
        return result
    try:
        metadata = chart_metadata(chart_file)
    except (InputError, OSError, UnicodeDecodeError) as error:
        result.errors.append(unit_error(source.path, error))
        return result
    name = str(metadata.get("name") or chart_dir.name)
    shown = display_path(chart_dir)

    def skipped(message: str) -> CollectResult:
        result.facts.notes.append(note(Origin(source.path, 1, 1), message))
        return result

    binary = helm_binary()
    if binary is None:
        return skipped(f"Helm chart {name!r} ({shown}) not rendered: helm is not on PATH; "
                       "its templates are not scanned")
    missing = missing_dependencies(chart_dir, metadata)
    if missing:
        return skipped(f"Helm chart {name!r} ({shown}) not rendered: its dependencies "
                       f"{', '.join(missing)} are not vendored under charts/ (dicomguard "
                       "never downloads them; run `helm dependency build` to vendor them)")
    values = _values_files(chart_dir, context, result)
    if values is None:
        return result
    with tempfile.TemporaryDirectory(prefix="dicomguard-helm-") as work_text:
        work = Path(work_text)
        try:
            left_out = copy_chart(chart_dir, work / "chart")
            copies = [copy_values_file(path, work, index) for index, path in enumerate(values)]
        except (InputError, OSError) as error:
            result.errors.append(unit_error(source.path, error))
            return result
        for path in left_out:
            result.facts.notes.append(note(Origin(source.path, 1, 1), (
                f"Helm chart {name!r}: {path} is not a regular file (a link is never "
                "followed); rendered without it")))
        rendered = render(binary, work / "chart", copies, work, BUDGET.seconds)
    if rendered.manifests is None:
        result.errors.append(_render_error(rendered.failure, name, chart_dir, source.path))
        return result
    result.facts.extend(_manifest_facts(rendered.manifests, chart_dir, source.path, context,
                                        result.errors).facts)
    return result


def _values_files(chart_dir: Path, context: Any, result: CollectResult) -> list[Path] | None:
    """The values files the configuration gives this chart, each inside the scanned tree."""
    configured: dict[str, list[str]] = context.settings.helm_values_files
    wanted: list[str] = next((files for chart, files in configured.items()
                   if Path(chart).resolve() == chart_dir), [])
    found = []
    for text in wanted:
        path = Path(text)
        if not within_roots(path, list(context.roots)):
            result.errors.append(ScanError(text, None, "helm values file outside the scanned "
                                                       "tree; not read, chart not rendered"))
            return None
        if not path.is_file():
            result.errors.append(ScanError(text, None, "helm values file not found; chart "
                                                       "not rendered"))
            return None
        found.append(path)
    return found


def _render_error(failure: str, name: str, chart_dir: Path, chart_file: str) -> ScanError:
    """helm's complaint, at the template line it names when it names one."""
    from dicomguard.discover import display_path

    message = " ".join(failure.split())[:1000]
    where = re.search(re.escape(name) + r"/([^\s:()]+):(\d+)", failure)
    if where is not None and (chart_dir / where.group(1)).is_file():
        return ScanError(display_path(chart_dir / where.group(1)), int(where.group(2)),
                         f"helm template failed: {message}")
    return ScanError(chart_file, None, f"helm template failed: {message}")


def _manifest_facts(manifests: str, chart_dir: Path, chart_file: str, context: Any,
                    errors: list[ScanError]) -> CollectResult:
    """Kubernetes facts of the rendered manifests, moved to the template lines."""
    from dicomguard import yamlpositions
    from dicomguard.apps import kubernetes

    rendered_name = f"{chart_file} (rendered)"
    templates = _template_lines(manifests, chart_dir, errors)
    positions = line_map(manifests, chart_dir, templates, Path(chart_file))
    found = CollectResult()
    try:
        with unit_budget():
            documents = yamlpositions.load_all(manifests)
            found = kubernetes.analyse(documents, rendered_name, context)
    except Exception as error:  # one chart's failure costs its own findings only
        failed = unit_error(rendered_name, error)
        found.errors.append(ScanError(rendered_name, failed.line, failed.message))
    return relocated(found, rendered_name, positions, Position(Path(chart_file), 1), errors)


def _template_lines(manifests: str, chart_dir: Path, errors: list[ScanError]
                    ) -> dict[Path, TemplateLines]:
    from dicomguard.apps.helm_positions import template_file
    from dicomguard.regular_files import read_regular_text

    templates: dict[Path, TemplateLines] = {}
    for source, _, _ in source_blocks(manifests):
        path = template_file(chart_dir, source)
        if path is None or path in templates:
            continue
        try:
            templates[path] = TemplateLines(read_regular_text(path))
        except (OSError, UnicodeDecodeError):
            continue  # positions fall back to Chart.yaml; helm read the file, so it exists
    return templates
