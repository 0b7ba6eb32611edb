"""file(), fileexists() and templatefile() read only inside the scanned tree."""

from pathlib import Path

from dicomguard.model import Unknown


def test_file_reads_relative_to_the_root_module(value) -> None:
    assert value('file("${path.module}/rules.txt")', files={"rules.txt": "104"}) == "104"
    assert value('file("rules.txt")', files={"rules.txt": "104"}) == "104"
    assert value('fileexists("rules.txt")', files={"rules.txt": "x"}) is True
    assert value('fileexists("absent.txt")') is False


def test_templatefile_renders_with_its_variables(value) -> None:
    template = "%{ for port in ports ~}\nallow ${port}\n%{ endfor ~}\n"
    assert value('templatefile("rules.tpl", { ports = [104, 4242] })',
                 files={"rules.tpl": template}) == "allow 104\nallow 4242\n"


def test_reads_outside_the_scanned_tree_are_refused(value, tmp_path: Path) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    secret.write_text("secret", encoding="utf-8")
    try:
        for expression in [f'file("{secret}")', f'file("../{secret.name}")',
                           f'fileexists("{secret}")', f'templatefile("{secret}", {{}})']:
            result = value(expression)
            assert isinstance(result, Unknown), expression
            assert "outside the scanned tree" in result.reason
    finally:
        secret.unlink()


def test_a_symbolic_link_out_of_the_tree_is_refused(value, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-target.txt"
    outside.write_text("secret", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(outside)
    try:
        assert isinstance(value('file("link.txt")'), Unknown)
    finally:
        outside.unlink()


def test_fileset_lists_matching_files_relative_to_its_path(value) -> None:
    files = {"conf/orthanc.json": "{}", "conf/nested/dicom.json": "{}", "conf/readme.md": "",
             "conf/a.yml": "", "conf/b.yml": "", "conf/c.yml": ""}
    assert value('fileset(path.module, "conf/*.json")', files=files) == ["conf/orthanc.json"]
    assert value('fileset("conf", "**/*.json")', files=files) == [
        "nested/dicom.json", "orthanc.json"]
    assert value('fileset("conf", "{a,b}.yml")', files=files) == ["a.yml", "b.yml"]
    assert value('fileset("conf", "[!a]?yml")', files=files) == ["b.yml", "c.yml"]


def test_fileset_never_lists_outside_the_scanned_tree(value, tmp_path: Path) -> None:
    result = value('fileset("..", "**")')
    assert isinstance(result, Unknown) and "outside the scanned tree" in result.reason


def test_file_digests_match_the_digests_of_the_file(value) -> None:
    files = {"orthanc.json": "hello world"}
    assert value('filesha1("orthanc.json")', files=files) == (
        "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
    assert value('filebase64sha256("orthanc.json")', files=files) == (
        "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
    assert value('filemd5("orthanc.json")', files=files) == "5eb63bbbe01eeed093cb22bb8f5acdc3"
    assert value('filesha256("orthanc.json")', files=files) == value('sha256("hello world")')
    assert value('filesha512("orthanc.json")', files=files) == value('sha512("hello world")')
