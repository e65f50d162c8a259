"""Unpacking an uploaded course archive: a hostile zip is refused, saying why, writing nothing."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from app.studio.archive import ArchiveLimits, ArchiveRefused, course_folders, unpack

COURSE_MD = "---\nid: c1\ntitle: C\n---\nOverview.\n"


def _zip(entries: dict[str, bytes | str], **kwargs: object) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _with_member(info: zipfile.ZipInfo, data: bytes = b"") -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("c1/course.md", COURSE_MD)
        archive.writestr(info, data)
    buffer.seek(0)
    return buffer


def _refused(app, stream: io.BytesIO, dest: Path, limits: ArchiveLimits | None = None) -> str:  # noqa: ANN001
    with app.test_request_context(), pytest.raises(ArchiveRefused) as refusal:
        unpack(stream, dest, limits or ArchiveLimits())
    assert list(dest.iterdir()) == [], "a refused archive leaves nothing behind"
    return str(refusal.value)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    return folder


def test_a_course_folder_is_unpacked_with_its_files(app, dest):
    stream = _zip(
        {"c1/course.md": COURSE_MD, "c1/01-m/01-l.md": "# L\n", "c1/assets/a.svg": "<svg/>"}
    )
    with app.test_request_context():
        unpack(stream, dest, ArchiveLimits())
    assert (dest / "c1" / "01-m" / "01-l.md").read_text() == "# L\n"
    assert course_folders(dest) == [dest / "c1"]


def test_finds_courses_at_the_top_one_or_two_levels_down(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "course.md").write_text(COURSE_MD)
    assert course_folders(tmp_path / "a") == [tmp_path / "a"]
    for name in ("x", "y"):
        (tmp_path / "top" / "all" / name).mkdir(parents=True)
        (tmp_path / "top" / "all" / name / "course.md").write_text(COURSE_MD)
    assert course_folders(tmp_path / "top") == [tmp_path / "top/all/x", tmp_path / "top/all/y"]
    assert course_folders(tmp_path / "top" / "all" / "x" / "..") != []
    (tmp_path / "empty").mkdir()
    assert course_folders(tmp_path / "empty") == []


@pytest.mark.parametrize("name", ["../evil.md", "c1/../../evil.md", "/etc/cron.d/x", "C:/x.md"])
def test_a_path_leaving_the_folder_is_refused(app, dest, name):
    message = _refused(app, _zip({"c1/course.md": COURSE_MD, name: "x"}), dest)
    assert "without" in message and name in message
    assert not (dest.parent / "evil.md").exists()


def test_a_symbolic_link_is_refused(app, dest):
    link = zipfile.ZipInfo("c1/assets/key")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    message = _refused(app, _with_member(link, b"/work/instance/secret_key"), dest)
    assert "Symbolic links" in message and "c1/assets/key" in message


@pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFIFO, stat.S_IFBLK, stat.S_IFSOCK])
def test_a_device_or_pipe_is_refused(app, dest, kind):
    member = zipfile.ZipInfo("c1/assets/dev")
    member.external_attr = (kind | 0o644) << 16
    assert "ordinary files" in _refused(app, _with_member(member), dest)


def test_a_member_claiming_to_expand_beyond_the_limit_is_refused_before_writing(app, dest):
    noise = os.urandom(3 * 1024 * 1024)  # does not compress, so no ratio to trip over
    stream = _zip({"c1/course.md": COURSE_MD, "c1/assets/big.bin": noise})
    limits = ArchiveLimits(max_total_bytes=2 * 1024 * 1024)
    assert "more than 2 MB" in _refused(app, stream, dest, limits)


def test_a_header_claiming_4_gb_is_refused_without_unpacking(app, dest):
    stream = _zip({"c1/course.md": COURSE_MD, "c1/assets/big.bin": b"\0" * 1000})
    _patch_sizes(stream, "c1/assets/big.bin", uncompressed=0xFFFFFFF0)
    assert "more than 200 MB" in _refused(app, stream, dest)


def test_a_header_that_understates_the_size_cannot_write_more_than_it_says(app, dest):
    stream = _zip({"c1/course.md": COURSE_MD, "c1/assets/big.bin": b"\0" * (2 * 1024 * 1024)})
    _patch_sizes(stream, "c1/assets/big.bin", uncompressed=10)
    assert "damaged" in _refused(app, stream, dest)


def test_a_zip_bomb_is_refused_by_its_ratio(app, dest):
    stream = _zip({"c1/course.md": COURSE_MD, "c1/assets/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert "expand far more" in _refused(app, stream, dest)


def test_100000_files_are_refused_before_any_is_read(app, dest):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(100_000):
            archive.writestr(f"c1/f{number}.md", b"")
    buffer.seek(0)
    assert "100000 files; at most 5000" in _refused(app, buffer, dest)


def test_nesting_deeper_than_the_limit_is_refused(app, dest):
    deep = "c1/" + "d/" * 20 + "x.md"
    assert "levels deep" in _refused(app, _zip({"c1/course.md": COURSE_MD, deep: "x"}), dest)


def test_an_archive_over_the_upload_size_is_refused(app, dest):
    stream = io.BytesIO(b"PK" + b"\0" * (2 * 1024 * 1024))
    assert "larger than 1 MB" in _refused(
        app, stream, dest, ArchiveLimits(max_upload_bytes=1024**2)
    )


def test_something_that_is_not_a_zip_is_refused(app, dest):
    assert "not a zip archive" in _refused(app, io.BytesIO(b"%PDF-1.7 not a zip"), dest)


def test_the_same_path_twice_even_in_another_case_is_refused(app, dest):
    stream = _zip({"c1/course.md": COURSE_MD, "c1/Course.md": COURSE_MD})
    assert "same path more than once" in _refused(app, stream, dest)


def test_a_password_protected_member_is_refused(app, dest):
    stream = _zip({"c1/course.md": COURSE_MD, "c1/secret.md": "x"})
    data = bytearray(stream.getvalue())
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46 : central + 58] == b"c1/secret.md":
            data[central + 8] |= 0x1  # the "encrypted" bit of the general-purpose flags
        central = data.find(b"PK\x01\x02", central + 4)
    assert "Password-protected" in _refused(app, io.BytesIO(bytes(data)), dest)


def test_names_written_by_chinese_windows_in_gb18030_are_read(app, dest):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("c1/course.md", COURSE_MD)
        archive.writestr("c1/assets/placeholder.txt", "x")
    raw = bytearray(buffer.getvalue())
    name, chinese = b"placeholder.txt", "图表说明.txt".encode("gb18030")
    assert len(chinese) <= len(name)
    chinese = chinese.ljust(len(name), b"_")  # keep every offset in the file valid
    buffer = io.BytesIO(bytes(raw.replace(name, chinese)))
    with app.test_request_context():
        unpack(buffer, dest, ArchiveLimits())
    assert (dest / "c1" / "assets" / chinese.decode("gb18030")).read_text() == "x"


def test_names_in_utf8_are_read(app, dest):
    with app.test_request_context():
        unpack(
            _zip({"c1/course.md": COURSE_MD, "c1/assets/图表.svg": "<svg/>"}), dest, ArchiveLimits()
        )
    assert (dest / "c1" / "assets" / "图表.svg").exists()


def test_macos_resource_forks_and_thumbnails_are_left_out(app, dest):
    stream = _zip(
        {
            "c1/course.md": COURSE_MD,
            "__MACOSX/c1/._course.md": "x",
            "c1/.DS_Store": "x",
            "c1/Thumbs.db": "x",
        }
    )
    with app.test_request_context():
        unpack(stream, dest, ArchiveLimits())
    assert sorted(p.name for p in dest.rglob("*")) == ["c1", "course.md"]


def _patch_sizes(stream: io.BytesIO, name: str, *, uncompressed: int) -> None:
    """Rewrite the uncompressed size that the local and central headers give for `name`."""
    data = bytearray(stream.getvalue())
    encoded = name.encode()
    # (signature, offset of the uncompressed size, offset of the name) in each kind of header
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + size_at, uncompressed)
            start = data.find(signature, start + 4)
    stream.seek(0)
    stream.truncate()
    stream.write(bytes(data))
    stream.seek(0)
