"""WindowsAgentArena's File Explorer getters against the stand-in Windows VM."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.windows_explorer import image_tags

DOCS = "C:\\Users\\Docker\\Documents"
PICS = "C:\\Users\\Docker\\Pictures"


def run(vm, name, spec, tmp_path):
    return GETTERS[name](EvalContext(vm, tmp_path), spec)


def test_is_file_hidden(windows, tmp_path):
    secret = DOCS + "\\secret.txt"
    vm = windows(files={secret: b"s", DOCS + "\\plain.txt": b"p", DOCS + "\\.env": b"e"}, hidden={secret})
    assert run(vm, "is_file_hidden", {"file_path": secret}, tmp_path) == "true"
    assert run(vm, "is_file_hidden", {"file_path": DOCS + "\\.env"}, tmp_path) == "true"
    assert run(vm, "is_file_hidden", {"file_path": DOCS + "\\plain.txt"}, tmp_path) == "false"
    assert run(vm, "is_file_hidden", {"file_path": DOCS + "\\gone.txt"}, tmp_path) == "false"
    assert run(vm, "is_file_hidden", {}, tmp_path) == "false"


def ace(identity, rights, kind="Allow"):
    return {"Identity": identity, "Rights": rights, "Type": kind}


BASE_ACL = [
    ace("NT AUTHORITY\\SYSTEM", "FullControl"),
    ace("BUILTIN\\Administrators", "FullControl"),
    ace("DESKTOP-WAA\\Docker", "FullControl"),
]


def test_is_directory_read_only_for_user(windows, tmp_path):
    folder = PICS + "\\Vacation Photos"
    spec = {"directory": folder, "user": "TestAccount"}
    shared = windows(
        acl={folder: [*BASE_ACL, ace("DESKTOP-WAA\\TestAccount", "ReadAndExecute, Synchronize")]}
    )
    assert run(shared, "is_directory_read_only_for_user", spec, tmp_path) is True
    writable = windows(acl={folder: [*BASE_ACL, ace("DESKTOP-WAA\\TestAccount", "Modify, Synchronize")]})
    assert run(writable, "is_directory_read_only_for_user", spec, tmp_path) is False
    absent = windows(acl={folder: BASE_ACL})
    assert run(absent, "is_directory_read_only_for_user", spec, tmp_path) is False
    # a write right taken back by a Deny entry leaves the folder read-only
    denied = windows(
        acl={
            folder: [
                ace("DESKTOP-WAA\\TestAccount", "Modify, Synchronize"),
                ace("DESKTOP-WAA\\TestAccount", "Write", "Deny"),
            ]
        }
    )
    assert run(denied, "is_directory_read_only_for_user", spec, tmp_path) is True
    # ConvertTo-Json prints a lone entry as an object, not a list
    alone = windows(acl={folder: [ace("DESKTOP-WAA\\TestAccount", "Read, Synchronize")]})
    assert run(alone, "is_directory_read_only_for_user", spec, tmp_path) is True
    assert run(windows(), "is_directory_read_only_for_user", spec, tmp_path) is False
    with pytest.raises(ValueError):
        run(shared, "is_directory_read_only_for_user", {"directory": folder, "user": ""}, tmp_path)


def jpeg(keywords: str | None = None, xmp_subject: list[str] | None = None) -> bytes:
    """A JPEG as File Explorer leaves it after tagging: XPKeywords in EXIF (UTF-16LE)
    and, here optionally, XMP dc:subject."""
    image = Image.new("RGB", (8, 8), (10, 120, 200))
    exif = Image.Exif()
    if keywords is not None:
        exif[0x9C9E] = (keywords + "\x00").encode("utf-16-le")
    buf = io.BytesIO()
    extra = {}
    if xmp_subject is not None:
        items = "".join(f"<rdf:li>{t}</rdf:li>" for t in xmp_subject)
        extra["xmp"] = (
            f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description><dc:subject><rdf:Bag>'
            f"{items}</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"
        ).encode()
    image.save(buf, "JPEG", exif=exif, **extra)
    return buf.getvalue()


def test_image_tags_read_exif_keywords_and_xmp_subjects():
    assert image_tags(jpeg("2023Vacation;beach")) == {"2023Vacation", "beach"}
    assert image_tags(jpeg(None, ["2023Vacation"])) == {"2023Vacation"}
    assert image_tags(jpeg()) == set()


def test_are_all_images_tagged(windows, tmp_path):
    trip = PICS + "\\Summer Trip"
    spec = {"directory": trip, "tag": "2023Vacation"}
    tagged = {
        trip + "\\TestImage1.jpg": jpeg("2023Vacation"),
        trip + "\\TestImage2.JPEG": jpeg("x;2023Vacation"),
        trip + "\\notes.txt": b"not an image",
    }
    assert run(windows(files=tagged), "are_all_images_tagged", spec, tmp_path) is True
    one_left = {**tagged, trip + "\\TestImage3.jpg": jpeg("beach")}
    assert run(windows(files=one_left), "are_all_images_tagged", spec, tmp_path) is False
    assert run(windows(), "are_all_images_tagged", spec, tmp_path) is False
    with pytest.raises(ValueError):
        run(windows(), "are_all_images_tagged", {"directory": trip, "tag": ""}, tmp_path)


LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<libraryDescription xmlns="http://schemas.microsoft.com/windows/2009/library">
  <name>@shell32.dll,-34575</name>
  <version>6</version>
  <isLibraryPinned>true</isLibraryPinned>
  <iconReference>imageres.dll,-1002</iconReference>
  <searchConnectorDescriptionList>
{items}
  </searchConnectorDescriptionList>
</libraryDescription>"""
ITEM = """    <searchConnectorDescription>
      <isDefaultSaveLocation>true</isDefaultSaveLocation>
      <isSupported>false</isSupported>
      <simpleLocation>
        <url>{url}</url>
        <serialized>MBAAAEAFCAAA</serialized>
      </simpleLocation>
    </searchConnectorDescription>"""


def test_vm_library_folders(windows, tmp_path):
    dl = "C:\\Users\\Docker\\Downloads"
    folders = [dl + "\\Arena Code", dl + "\\Arena Data", dl + "\\Arena Docs"]
    path = "C:\\Users\\Docker\\AppData\\Roaming\\Microsoft\\Windows\\Libraries\\Arena.library-ms"
    xml = LIBRARY.format(items="\n".join(ITEM.format(url=f) for f in folders)).encode()
    assert (
        run(windows(files={path: xml}), "vm_library_folders", {"library_name": "Arena"}, tmp_path) == folders
    )
    assert run(windows(), "vm_library_folders", {"library_name": "Arena"}, tmp_path) is None
    with pytest.raises(ValueError):
        run(windows(), "vm_library_folders", {"library_name": "..\\..\\secrets"}, tmp_path)


def test_is_details_view(windows, tmp_path):
    spec = {"folder_path": "C:/Users/Docker/Documents"}
    details = windows(
        explorer=[{"path": DOCS, "CurrentViewMode": 4, "SortColumns": "prop:System.ItemNameDisplay;"}]
    )
    assert run(details, "is_details_view", spec, tmp_path) is True
    icons = windows(
        explorer=[
            {"path": DOCS, "CurrentViewMode": 1, "SortColumns": ""},
            {"path": PICS, "CurrentViewMode": 4, "SortColumns": ""},
        ]
    )
    assert run(icons, "is_details_view", spec, tmp_path) is False
    assert run(windows(), "is_details_view", spec, tmp_path) is False


def test_are_files_sorted_by_modified_time(windows, tmp_path):
    spec = {"directory": DOCS}
    for columns in ("prop:-System.DateModified;", "prop:System.DateModified;System.ItemNameDisplay;"):
        vm = windows(explorer=[{"path": DOCS, "CurrentViewMode": 4, "SortColumns": columns}])
        assert run(vm, "are_files_sorted_by_modified_time", spec, tmp_path) is True
    by_name = windows(
        explorer=[
            {
                "path": DOCS,
                "CurrentViewMode": 4,
                "SortColumns": "prop:System.ItemNameDisplay;System.DateModified;",
            }
        ]
    )
    assert run(by_name, "are_files_sorted_by_modified_time", spec, tmp_path) is False
    assert run(windows(), "are_files_sorted_by_modified_time", spec, tmp_path) is False


def test_vm_active_window_title(windows, tmp_path):
    vm = windows(active_title="Documents - File Explorer")
    assert run(vm, "vm_active_window_title", {}, tmp_path) == "Documents - File Explorer"
    assert (
        run(windows(active_title="Untitled - Notepad"), "vm_active_window_title", {}, tmp_path)
        != "Documents - File Explorer"
    )
