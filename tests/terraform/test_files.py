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
