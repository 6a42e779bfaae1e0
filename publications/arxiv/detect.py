"""Tell which arXiv metadata format a file holds, so one import command takes any of them.

File names are unreliable (``listing.xml`` may be Atom or OAI-PMH, a ``.gz`` may hold either
kind), so the first bytes are read, decompressing when they are gzip.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

__all__ = ["detect_format", "sniff_format"]

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096
# The first element after the XML declaration, comments and processing instructions.
_ROOT = re.compile(rb"<(?![?!])(?:[\w.\-]+:)?([\w.\-]+)")


def detect_format(path: str | Path) -> str:
    """Return ``"atom"``, ``"oai"`` or ``"jsonl"`` for the file at ``path``.

    Raises ``ValueError`` naming the file and what its first bytes look like when it is none
    of them (an HTML error page saved by mistake, an empty file, ...).
    """
    path = Path(path)
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    if head.startswith(_GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as stream:
                head = stream.read(_SNIFF_BYTES)
        except (EOFError, OSError, zlib.error) as exc:
            if not head:
                raise ValueError(f"{path}: unreadable gzip file ({exc})") from None
            # A truncated archive still shows its first bytes; say what they are if we can.
            head = _partial_gzip_head(path)
            if not head:
                raise ValueError(f"{path}: unreadable gzip file ({exc})") from None
    try:
        return sniff_format(head)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def sniff_format(head: bytes) -> str:
    """Classify the first bytes of a document (see ``detect_format``)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise ValueError("the file is empty")
    if text.startswith(b"{"):
        return "jsonl"
    if text.startswith(b"<"):
        match = _ROOT.search(text)
        root = match.group(1).decode("ascii", "replace") if match else ""
        if root == "feed":
            return "atom"
        if root == "OAI-PMH":
            return "oai"
        raise ValueError(
            f"XML whose document element is <{root}>, neither an arXiv API <feed> "
            "nor an OAI-PMH response"
        )
    preview = text[:40].decode("utf-8", "replace")
    raise ValueError(f"not arXiv metadata (Atom, OAI-PMH or JSON lines); it starts {preview!r}")


def _partial_gzip_head(path: Path) -> bytes:
    """Decompress what a truncated .gz holds at its start."""
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    with path.open("rb") as raw:
        try:
            return decompressor.decompress(raw.read(64 * 1024), _SNIFF_BYTES)
        except zlib.error:
            return b""
