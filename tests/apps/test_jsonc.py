"""The JSON-with-comments reader Orthanc configurations need."""

from __future__ import annotations

import pytest

from dicomguard.apps import jsonc
from dicomguard.model import InputError


def test_comments_and_trailing_commas_are_accepted_and_lines_kept():
    located = jsonc.loads(
        '{\n'
        '  // the archive\n'
        '  "Name": "PACS", /* inline */\n'
        '  "RegisteredUsers": {\n'
        '    "alice": "x",\n'
        '  },\n'
        '  /* a block\n'
        '     comment */\n'
        '  "DicomModalities": { "ct": ["CT", "10.0.0.1", 104], },\n'
        '}\n')
    assert located.value == {"Name": "PACS", "RegisteredUsers": {"alice": "x"},
                             "DicomModalities": {"ct": ["CT", "10.0.0.1", 104]}}
    assert located.line("Name") == 3
    assert located.line("RegisteredUsers", "alice") == 5
    assert located.line("DicomModalities", "ct", 2) == 9
    assert located.line("NotThere") == 1


def test_comment_markers_inside_strings_are_text():
    located = jsonc.loads('{"Url": "http://host/* not a comment */", "B": "//x"}')
    assert located.value == {"Url": "http://host/* not a comment */", "B": "//x"}


@pytest.mark.parametrize(("text", "line"), [
    ('{\n  "A": true\n  "B": false\n}', 3),
    ('{\n  "A": tru\n}', 2),
    ('{\n  /* never closed\n', 2),
    ('{"A": 1}\n\nextra', 3),
])
def test_errors_name_the_line(text, line):
    with pytest.raises(InputError) as raised:
        jsonc.loads(text)
    assert raised.value.line == line


def test_shifted_lines_for_text_embedded_in_another_file():
    located = jsonc.loads('{\n "A": 1\n}').shifted(10)
    assert located.line("A") == 12
