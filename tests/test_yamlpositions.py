"""YAML with line numbers, safe loading only."""

from __future__ import annotations

import pytest

from dicomguard import yamlpositions
from dicomguard.model import InputError


def test_lines_of_keys_and_items_and_merge_keys():
    (document,) = yamlpositions.load_all(
        "base: &base\n"
        "  image: orthancteam/orthanc\n"
        "services:\n"
        "  pacs:\n"
        "    <<: *base\n"
        "    ports:\n"
        "      - '8042:8042'\n")
    assert document.value["services"]["pacs"] == {"image": "orthancteam/orthanc",
                                                  "ports": ["8042:8042"]}
    assert document.line("services", "pacs") == 4
    assert document.line("services", "pacs", "ports", 0) == 7


def test_several_documents_and_empty_ones():
    documents = yamlpositions.load_all("a: 1\n---\n---\nb: 2\n")
    assert [document.value for document in documents] == [{"a": 1}, {"b": 2}]
    assert documents[1].line("b") == 4


def test_unknown_tags_are_never_constructed():
    (document,) = yamlpositions.load_all(
        "a: !!python/object/apply:os.system ['true']\nb: !vault x\n")
    assert document.value == {"a": ["true"], "b": "x"}


def test_syntax_error_names_the_line():
    with pytest.raises(InputError) as raised:
        yamlpositions.load_all("a: 1\nb: [1, 2\nc: 3\n")
    assert raised.value.line is not None and raised.value.line >= 2


def test_reading_many_files_keeps_nothing_from_the_ones_before():
    """A repository of thousands of compose files and manifests must not grow memory per file."""
    import gc
    import tracemalloc

    text = ("services:\n  orthanc:\n    image: orthancteam/orthanc\n"
            "    ports: ['4242:4242', '8042:8042']\n    environment: {A: '1', B: two, C: true}\n")
    for _ in range(100):
        yamlpositions.load_all(text)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            yamlpositions.load_all(text)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown} bytes kept after 2,000 files"


def test_a_merge_of_something_not_a_mapping_is_an_error_naming_file_and_line(tmp_path):
    """docker compose refuses `<<: 5`; a scan must not pass the service by ignoring it."""
    from tests.conftest import scan_json

    (tmp_path / "compose.yaml").write_text(
        "services:\n  pacs:\n    image: orthancteam/orthanc\n    <<: 5\n"
        "    ports: ['4242:4242']\n")
    code, report = scan_json(str(tmp_path))
    assert code == 2
    (error,) = report["errors"]
    assert error["file"].endswith("compose.yaml") and error["line"] == 4
    assert "merg" in error["message"]


def test_merged_keys_point_at_the_mapping_that_merges_them():
    (document,) = yamlpositions.load_all(
        "x: &x\n  a: 1\ny:\n  b: 2\n  <<: *x\n")
    assert document.value["y"] == {"a": 1, "b": 2}
    assert document.line("y", "a") == 3
    assert document.line("y", "b") == 4
