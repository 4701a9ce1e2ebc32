"""Zips of a data room → many Documents, opened defensively.

An uploaded zip is untrusted. Before reading any member we refuse the whole archive
(`UnsafeArchiveError`) for: names that escape the folder (`../`, absolute paths, drive
letters), symbolic links, password-protected members, too many members, a declared
total over the limit, and members (or the whole) whose compression ratio marks a bomb.
Declared sizes can lie, so members are also read in chunks against the same caps.
Nesting is bounded by `Limits.max_zip_depth` (the top-level zip is depth 1).

What is not unsafe but cannot be read (an unsupported or empty file, an encrypted PDF,
a damaged member) is skipped with a warning "skipped <path>: <reason>" on the first
Document returned; the call fails only when nothing was readable.

Document filenames are the member paths inside the zip ("finance/q3.pdf"). Members of
a nested zip are prefixed with that zip's path without ".zip" ("legal/old/nda.pdf" for
"nda.pdf" in "legal/old.zip"), so folder structure survives at every level.

The API reads an uploaded zip from its spooled file rather than from bytes
(`reportgen.api.uploads`), through the same public steps: `refuse_packages`,
`check_members`, `clean_path`, `is_junk`, `read_member` and `reason`.
"""

from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reportgen.errors import ArchiveError, IngestError, UnsafeArchiveError, UnsupportedFormatError
from reportgen.ingest.limits import Limits

# Ratio checks apply only past this size: a small, very repetitive file is harmless.
RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini", ".localized"}
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_PACKAGES = (  # zip-based formats that are not data rooms, by a member they always have
    ("word/document.xml", None),  # DOCX is handled by is_docx
    ("xl/workbook.xml", "an Excel workbook (.xlsx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    ("META-INF/MANIFEST.MF", "a Java archive (.jar)"),
)


def is_docx(data: bytes) -> bool:
    """Whether a PK-signed file is a Word document rather than a zip of files.

    A damaged DOCX still names its parts in its local headers; calling it a Word
    document then lets the user hear "damaged Word document", not "damaged zip".
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                return True
            if "[Content_Types].xml" in names:
                return b"wordprocessingml.document.main" in zf.read("[Content_Types].xml")[:65536]
            return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError):
        pass
    except (NotImplementedError, zlib.error):
        pass
    return b"word/document.xml" in data


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a zip as `iter_members` hands it out: its bytes, or why it was not read."""

    path: str
    data: bytes | None = None
    skipped: str | None = None  # the reason, when a member could not be read
    junk: bool = False  # __MACOSX/, .DS_Store, Thumbs.db: never read


def iter_members(zf: zipfile.ZipFile, archive_size: int, limits: Limits, filename: str) -> Iterator[Member]:
    """Every file of a zip, read under the safety checks that every reader of zips must run.

    Kept in one place because both the parser (`expand_zip`) and the API's streamed upload read
    zips: package refusal, central-directory checks, the shared uncompressed budget, and the rule
    that an unsafe member (`UnsafeArchiveError`) refuses the whole archive.
    """
    infos = zf.infolist()
    refuse_packages(zf, filename)
    check_members(infos, archive_size, limits, filename)
    budget = limits.max_zip_total_bytes
    for info in infos:
        path = clean_path(info.filename)
        if info.is_dir() or info.filename.endswith("\\") or not path:
            continue
        if is_junk(path):
            yield Member(path, junk=True)
            continue
        if info.file_size > limits.max_file_bytes:  # declared: skipped before a byte is inflated
            yield Member(path, skipped=over_file_limit(info.file_size, limits))
            continue
        try:
            data = read_member(zf, info, limits, budget, filename)
        except UnsafeArchiveError:
            raise
        except ArchiveError as exc:
            yield Member(path, skipped=reason(exc))
            continue
        budget -= len(data)
        yield Member(path, data)


def check_members(infos: Sequence[zipfile.ZipInfo], archive_size: int, limits: Limits, filename: str) -> None:
    """Refuse unsafe names, links, encryption, member counts and sizes, from the central directory alone."""
    if len(infos) > limits.max_zip_members:
        raise UnsafeArchiveError(
            f"the zip has {len(infos)} entries, over the limit of {limits.max_zip_members}. "
            "Split it into smaller zips.",
            filename=filename,
        )
    for info in infos:
        name = info.filename
        if _unsafe_path(name):
            raise UnsafeArchiveError(
                f"the zip entry {name!r} points outside the archive's folder (path traversal), so the zip is "
                "refused. Re-create the zip from the folder itself.",
                filename=filename,
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeArchiveError(
                f"the zip entry {name!r} is a symbolic link, which is not accepted. Re-create the zip with the "
                "real files (zip without --symlinks).",
                filename=filename,
            )
        if info.flag_bits & 0x1:
            raise UnsafeArchiveError(
                f"the zip entry {name!r} is password-protected; encrypted zips are not supported. "
                "Create the zip without a password (PDF passwords are given with --password).",
                filename=filename,
            )
    check_declared_sizes(infos, archive_size, limits, filename)


def check_declared_sizes(infos: Sequence[zipfile.ZipInfo], archive_size: int, limits: Limits, filename: str) -> None:
    """Refuse archives whose declared sizes or compression ratios mark a decompression bomb."""
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            raise _bomb(info.filename, info.file_size, info.compress_size, limits, filename)
    if total > limits.max_zip_total_bytes:
        raise UnsafeArchiveError(
            f"the zip would unpack to {total / 1e6:.1f} MB, over the {limits.max_zip_total_bytes / 1e6:.0f} MB "
            "limit. Split it into smaller zips.",
            filename=filename,
        )
    if total > RATIO_FLOOR_BYTES and total > limits.max_zip_ratio * max(archive_size, 1):
        raise UnsafeArchiveError(
            f"the zip would unpack to {total / max(archive_size, 1):.0f} times its size, over the limit of "
            f"{limits.max_zip_ratio:.0f}x: it looks like a zip bomb and is refused.",
            filename=filename,
        )


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: int, filename: str) -> bytes:
    """Read one member in chunks, refusing it past its declared size, its ratio cap or the budget left.

    Reading stops at the per-file limit too, so no member costs more than that in memory,
    whatever its header declares."""
    if info.file_size > limits.max_file_bytes:
        raise ArchiveError(over_file_limit(info.file_size, limits))
    cap = min(info.file_size, budget, limits.max_file_bytes)
    ratio_cap = max(int(limits.max_zip_ratio * max(info.compress_size, 1)), RATIO_FLOOR_BYTES)
    chunks: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > ratio_cap:
                    raise _bomb(info.filename, size, info.compress_size, limits, filename)
                if size > cap:
                    raise UnsafeArchiveError(
                        f"the zip entry {info.filename!r} unpacks to more than it declares or than the "
                        f"{limits.max_zip_total_bytes / 1e6:.0f} MB total limit allows; the zip is refused.",
                        filename=filename,
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ArchiveError(f"it is damaged inside the zip ({exc})") from None
    except NotImplementedError as exc:
        raise ArchiveError(f"its compression method is not supported ({exc}); zip it again with deflate") from None
    except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted members
        raise ArchiveError(f"it cannot be read ({exc})") from None
    return b"".join(chunks)


def over_file_limit(size: int, limits: Limits) -> str:
    return (f"it unpacks to {size / 1e6:.0f} MB, over the {limits.max_file_bytes / 1e6:.0f} MB per-file limit; "
            "split it, or upload it on its own")


def _bomb(name: str, size: int, compressed: int, limits: Limits, filename: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"the zip entry {name!r} unpacks to {size / 1e6:.1f} MB from {compressed} bytes, a compression ratio "
        f"over the limit of {limits.max_zip_ratio:.0f}x: it looks like a zip bomb and the zip is refused.",
        filename=filename,
    )


def refuse_packages(zf: zipfile.ZipFile, filename: str) -> None:
    """Office files and other zip-based formats are not data rooms; say what they are."""
    names = set(zf.namelist())
    for member, what in _PACKAGES:
        if member in names and what:
            raise UnsupportedFormatError(
                f"this is {what}, which reportgen cannot read. Export it to PDF first.", filename=filename
            )
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:100].decode("ascii", "replace")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
            return
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise UnsupportedFormatError(
                "this is an OpenDocument file (.odt/.ods/.odp), which reportgen cannot read. "
                "Save it as .docx or export it to PDF first.",
                filename=filename,
            )
        if mimetype.startswith("application/epub"):
            raise UnsupportedFormatError(
                "this is an EPUB e-book, which reportgen cannot read. Convert it to PDF first.", filename=filename
            )


def _unsafe_path(name: str) -> bool:
    path = name.replace("\\", "/")
    if "\x00" in path or path.startswith("/") or _DRIVE_RE.match(path):
        return True
    return any(part == ".." for part in path.split("/"))


def is_junk(path: str) -> bool:
    """Operating-system litter (__MACOSX forks, .DS_Store, Thumbs.db, ._ files): not the user's documents."""
    base = posixpath.basename(path).lower()
    return path.startswith("__MACOSX/") or "/__MACOSX/" in path or base in JUNK_NAMES or base.startswith("._")


def clean_path(name: str) -> str:
    """A member path with "\\" as "/" and "./" or doubled slashes removed (already checked safe)."""
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def strip_zip_ext(filename: str) -> str:
    return filename[:-4] if filename.lower().endswith(".zip") else filename


def reason(exc: IngestError) -> str:
    """The error's message without the "<filename>: " prefix ReportgenError adds."""
    text = str(exc)
    if exc.filename and text.startswith(f"{exc.filename}: "):
        text = text[len(exc.filename) + 2 :]
    return text.rstrip(".")
