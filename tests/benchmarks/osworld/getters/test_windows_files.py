"""WindowsAgentArena's file getters against the stand-in Windows VM (conftest.py)."""

from __future__ import annotations

import io

import py7zr
import pytest

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.windows import known_folder
from envs.base import CommandOutput

DESK = "C:\\Users\\Docker\\Desktop"
DOCS = "C:\\Users\\Docker\\Documents"


def run(vm, name, spec, tmp_path):
    return GETTERS[name](EvalContext(vm, tmp_path), spec)


def test_known_folders_come_from_the_vm_and_fall_back_to_waa_defaults(windows, tmp_path):
    vm = windows()
    assert known_folder(EvalContext(vm, tmp_path), "Desktop") == DESK
    vm.powershell = lambda script: CommandOutput(1, "", "powershell is not recognized")
    assert known_folder(EvalContext(vm, tmp_path), "MyDocuments") == DOCS
    with pytest.raises(ValueError):  # only the folders .NET names, never a task string
        known_folder(EvalContext(vm, tmp_path), "Desktop; Remove-Item C:\\")


def test_is_file_saved_desktop(windows, tmp_path):
    vm = windows(files={DESK + "\\numdays.txt": b"The difference is 230 days\r\n"})
    spec = {"filename": "numdays.txt", "textcontent": "230 days"}
    assert run(vm, "is_file_saved_desktop", spec, tmp_path) == "true"
    assert run(vm, "is_file_saved_desktop", {**spec, "textcontent": "585 days"}, tmp_path) == "false"
    assert run(vm, "is_file_saved_desktop", {**spec, "filename": "other.txt"}, tmp_path) == "false"
    # exact: the whole text, line endings and surrounding blanks aside
    exact = {"filename": "numdays.txt", "textcontent": "The difference is 230 days", "exact": True}
    assert run(vm, "is_file_saved_desktop", exact, tmp_path) == "true"
    assert run(vm, "is_file_saved_desktop", {**exact, "textcontent": "230 days"}, tmp_path) == "false"


def test_is_file_desktop(windows, tmp_path):
    vm = windows(files={DESK + "\\example.txt": b""})
    assert run(vm, "is_file_desktop", {"filename": "example.txt"}, tmp_path) == "true"
    assert run(vm, "is_file_desktop", {"filename": "missing.txt"}, tmp_path) == "false"


def test_exists_in_desktop_and_documents_quote_the_names(windows, tmp_path):
    vm = windows(files={DESK + "\\Projects - Shortcut.lnk": b"L"}, dirs={DOCS + "\\Bob's Folder"})
    assert run(vm, "vm_file_exists_in_desktop", {"file_name": "Projects - Shortcut.lnk"}, tmp_path) is True
    assert run(vm, "vm_file_exists_in_desktop", {"file_name": "Projects.lnk"}, tmp_path) is False
    assert run(vm, "vm_folder_exists_in_documents", {"folder_name": "Bob's Folder"}, tmp_path) is True
    assert run(vm, "vm_folder_exists_in_documents", {"folder_name": "MyFolder"}, tmp_path) is False
    # A name that tries to break out of the literal stays one literal.
    evil = "x'; Remove-Item -Recurse C:\\; '"
    assert run(vm, "vm_folder_exists_in_documents", {"folder_name": evil}, tmp_path) is False
    script = vm.commands[-1][4]
    assert "'C:\\Users\\Docker\\Documents\\x''; Remove-Item -Recurse C:\\; '''" in script


def test_vm_file_exists_in_vm_folder(windows, tmp_path):
    vm = windows(files={"C:\\Users\\Docker\\Downloads\\circle.png": b"\x89PNG"})
    spec = {"folder_name": "C:\\Users\\Docker\\Downloads", "file_name": "circle.png"}
    assert run(vm, "vm_file_exists_in_vm_folder", spec, tmp_path) == 1.0
    assert run(vm, "vm_file_exists_in_vm_folder", {**spec, "file_name": "square.png"}, tmp_path) == 0.0
    assert run(vm, "vm_file_exists_in_vm_folder", {**spec, "folder_name": ""}, tmp_path) == 0.0


def test_all_png_file_names(windows, tmp_path):
    pics = "C:/Users/Docker/Pictures"
    files = {
        f"{pics}/a.png": b"",
        f"{pics}/B.PNG": b"",
        f"{pics}/c.jpg": b"",
        f"{pics}/png_files.txt": b"a.png\nB.PNG",
    }
    spec = {"folder_path": pics, "file_path": f"{pics}/png_files.txt"}
    assert run(windows(files=files), "all_png_file_names", spec, tmp_path) == "true"
    files[f"{pics}/png_files.txt"] = b"a.png\nc.jpg"
    assert run(windows(files=files), "all_png_file_names", spec, tmp_path) == "false"
    del files[f"{pics}/png_files.txt"]
    assert run(windows(files=files), "all_png_file_names", spec, tmp_path) == "false"


def test_is_all_docx_in_archive(windows, tmp_path):
    spec = {"folder_path": "C:/Users/Docker/Documents"}
    done = {DOCS + "\\Archive\\a.docx": b"", DOCS + "\\Archive\\b.DOCX": b"", DOCS + "\\notes.txt": b""}
    assert run(windows(files=done), "is_all_docx_in_archive", spec, tmp_path) == "true"
    left = {**done, DOCS + "\\c.docx": b""}
    assert run(windows(files=left), "is_all_docx_in_archive", spec, tmp_path) == "false"
    mixed = {**done, DOCS + "\\Archive\\d.txt": b""}
    assert run(windows(files=mixed), "is_all_docx_in_archive", spec, tmp_path) == "false"
    assert run(windows(files={DOCS + "\\c.docx": b""}), "is_all_docx_in_archive", spec, tmp_path) == "false"


def seven_zip(password: str | None, name: str = "OldProjects/example.txt") -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as archive:
        archive.writestr(b"old project notes", name)
    return buf.getvalue()


def test_zipped_folder_in_desktop(windows, tmp_path):
    path = DESK + "\\OldProjects.7z"
    spec = {"filename": path, "password": "12345"}
    assert (
        run(windows(files={path: seven_zip("12345")}), "zipped_folder_in_desktop", spec, tmp_path) == "true"
    )
    # no password, a different password, the wrong content, no archive at all
    assert run(windows(files={path: seven_zip(None)}), "zipped_folder_in_desktop", spec, tmp_path) == "false"
    assert (
        run(windows(files={path: seven_zip("other")}), "zipped_folder_in_desktop", spec, tmp_path) == "false"
    )
    wrong = seven_zip("12345", "Other/example.txt")
    assert run(windows(files={path: wrong}), "zipped_folder_in_desktop", spec, tmp_path) == "false"
    assert run(windows(), "zipped_folder_in_desktop", spec, tmp_path) == "false"


def test_is_files_moved_downloads(windows, tmp_path):
    home = "C:\\Users\\Docker"
    spec = {"folder_name": "Test", "file_name": "example.txt"}
    moved = windows(files={home + "\\OldDownloads\\Test\\example.txt": b""}, dirs={home + "\\Downloads"})
    assert run(moved, "is_files_moved_downloads", spec, tmp_path) == "true"
    still = windows(
        files={home + "\\Downloads\\Test\\example.txt": b"", home + "\\OldDownloads\\Test\\example.txt": b""}
    )
    assert run(still, "is_files_moved_downloads", spec, tmp_path) == "false"
    loose = windows(files={home + "\\OldDownloads\\example.txt": b""}, dirs={home + "\\OldDownloads\\Test"})
    assert run(loose, "is_files_moved_downloads", spec, tmp_path) == "false"
