"""Which files may be deposited: the formats, their content sniffed.

The convention with the Ministry leaves the accepted formats to a technical
annex; the platform's list is a setting (``opalexe.documents.formats``, file
extensions), each chosen among :data:`FORMATS`. A file is accepted when its
extension is on the list **and** the content type sniffed from its first
bytes is one that extension may have: a « rapport.pdf » that is an HTML page,
or a program renamed « photo.jpg », is refused.

Sniffing is libmagic's (the ``file`` command's database, maintained with
Debian), through python-magic. Office formats sniff as ZIP or OLE containers
from their first bytes alone, so those containers are accepted for them.
"""

from __future__ import annotations

import os
import re
import unicodedata

import magic

_OLE = ("application/CDFV2", "application/x-ole-storage")
_ZIP = ("application/zip",)

#: extension → the sniffed content types a file of that extension may have.
FORMATS: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf",),
    "jpg": ("image/jpeg",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "tif": ("image/tiff",),
    "tiff": ("image/tiff",),
    "heic": ("image/heic", "image/heif"),
    "mp4": ("video/mp4", "video/x-m4v"),
    "m4v": ("video/mp4", "video/x-m4v"),
    "mov": ("video/quicktime",),
    "avi": ("video/x-msvideo",),
    "mp3": ("audio/mpeg",),
    "m4a": ("audio/x-m4a", "audio/mp4", "video/mp4"),
    "wav": ("audio/x-wav", "audio/wav"),
    "doc": ("application/msword", *_OLE),
    "xls": ("application/vnd.ms-excel", *_OLE),
    "ppt": ("application/vnd.ms-powerpoint", *_OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", *_ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", *_ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", *_ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", *_ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", *_ZIP),
    "odp": ("application/vnd.oasis.opendocument.presentation", *_ZIP),
    "rtf": ("text/rtf",),
    "txt": ("text/plain",),
    "csv": ("text/csv", "text/plain"),
    "zip": _ZIP,
    "dwg": ("image/vnd.dwg",),
    "dxf": ("image/vnd.dxf", "text/plain"),
    "eml": ("message/rfc822", "text/plain"),
    "msg": ("application/vnd.ms-outlook", *_OLE),
}

#: What is accepted when the settings say nothing: every known format.
DEFAULT_FORMATS = tuple(FORMATS)

#: Enough of the beginning of a file for libmagic to tell its type.
SNIFF_BYTES = 64 * 1024

#: Types a browser could run as a page or a script if served inline.
INLINE_SAFE = ("application/pdf", "image/jpeg", "image/png", "video/mp4", "video/quicktime", "audio/mpeg",
               "text/plain")

MAX_FILENAME = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


class FormatError(ValueError):
    """The file's name or content is not among the accepted formats."""


def extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lstrip(".").lower()


def clean_filename(name: str) -> str:
    """A filename fit to keep and show: the last part of a path (browsers
    send « C:\\fakepath\\x.pdf »), Unicode in its composed form, no control
    characters nor path or shell separators, runs of spaces collapsed, at
    most :data:`MAX_FILENAME` characters with its extension kept. Empty,
    « . » or « .. » afterwards: :class:`FormatError`."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub(" ", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        raise FormatError("empty filename")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


def check_extension(filename: str, allowed: tuple[str, ...]) -> str:
    """The file's extension if the list admits it, else :class:`FormatError`."""
    ext = extension(filename)
    if ext not in allowed:
        raise FormatError(ext)
    return ext


def sniff(head: bytes) -> str:
    """The content type libmagic reads in the first bytes of a file."""
    return magic.from_buffer(head[:SNIFF_BYTES], mime=True)


def check_content(filename: str, head: bytes, allowed: tuple[str, ...]) -> str:
    """The sniffed content type of a file named ``filename`` beginning with
    ``head``, if it is one its extension may have; else :class:`FormatError`."""
    ext = check_extension(filename, allowed)
    content_type = sniff(head)
    if content_type not in FORMATS[ext]:
        raise FormatError(content_type)
    return content_type
