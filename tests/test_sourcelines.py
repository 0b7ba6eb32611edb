"""Source lines for suppressions and report snippets, read once per scan."""

from __future__ import annotations

from dicomguard.sourcelines import SourceLines


def test_source_lines_are_read_once_per_scan(tmp_path):
    main = tmp_path / "main.tf"
    main.write_text("first\nsecond\n")
    lines = SourceLines()
    assert lines.line(str(main), 2) == "second"
    main.unlink()
    assert lines.line(str(main), 1) == "first"
    assert lines.line(str(main), 3) == ""
    assert SourceLines().line(str(main), 1) == ""


def test_snippets_are_stripped_and_cut_short(tmp_path):
    minified = tmp_path / "orthanc.json"
    minified.write_text('  {"RemoteAccessAllowed": true, ' + '"x": 1, ' * 100 + "}\n")
    snippet = SourceLines().snippet(str(minified), 1)
    assert snippet.startswith('{"RemoteAccessAllowed": true,')
    assert len(snippet) == 200 and snippet.endswith("…")
