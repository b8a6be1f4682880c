"""Masking a real event so its recording can be committed as a test fixture: URLs, names,
free texts and ids are replaced, every other field is kept as it is.

The masking is deterministic: a value masks to the same mask wherever it appears (the
FileId of a NewFileUpload and of the ProcedureStateChanged that follows it, the app id
inside every TaskId), so a recorded flow stays coherent; and keyed (HMAC-SHA256), so no
one without the key can map a mask back to the value. A mask keeps the value's shape:
an id keeps its length, its separators and which characters are digits, hex letters or
other letters; a task kind (``Procedure`` in ``<appid>-Procedure-<hex>``) and a file's
extension are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Redactor"]

TEXT_FIELDS = frozenset({"ClassPath", "Description", "SessionContext", "SourceContext",
                         "StoragePath", "TagSet", "Title"})
"""Free texts a user writes (or paths that hold names), masked whole."""
KEPT_HOSTS = ("myqcloud.com", "qcloud.com", "tencentcloudapi.com", "vod-qcloud.com",
              "tencent-cloud.com", "tencentcs.com")
"""Tencent Cloud's own domains: a URL there keeps its domain (its numeric labels, such
as the app id, are masked); any other host becomes ``redacted.example.com``."""
_REDACTED_HOST = "redacted.example.com"
_CLASSES = ("0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ")
_KIND = re.compile(r"(?:[A-Z][a-z]+)+")  # a CamelCase word: a task kind, kept
_SEGMENT = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
"""A run of letters and digits (any script's): what lies between ASCII punctuation."""
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


class Redactor:
    """``redact(content)``: the EventContent with its URLs, names, texts and ids masked
    with ``key`` (``vod-emulator listen`` uses the SecretKey: the same account's
    recordings mask alike, and the key is already secret)."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._masks: dict[tuple[str, str], str] = {}

    def redact(self, content: dict[str, Any]) -> dict[str, Any]:
        masked: dict[str, Any] = self._value("", content)
        return masked

    def _value(self, name: str, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self._value(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._value(name, item) for item in value]
        if not isinstance(value, str) or not value:
            return value
        if value.startswith(("http://", "https://")) or name.endswith(("Url", "URL", "Urls")):
            return self._cached("url", value, self._url)
        if _is_id(name):
            return self._cached("id", value, self._id)
        if name.endswith("Name"):
            return self._cached("name", value, lambda text: self._label("name", text))
        if name in TEXT_FIELDS:
            return self._cached("text", value, lambda text: self._label("text", text))
        return value

    def _cached(self, kind: str, value: str, mask: Any) -> str:
        key = (kind, value)
        found = self._masks.get(key)
        if found is None:
            found = self._masks[key] = mask(value)
        return found

    def _id(self, value: str) -> str:
        """Each run of letters and digits masked on its own, the punctuation between kept
        (so the app id in every TaskId masks alike); a capitalised word (a task kind)
        kept."""
        return _SEGMENT.sub(lambda m: self._segment(m.group()), value)

    def _segment(self, segment: str) -> str:
        if _KIND.fullmatch(segment):
            return segment
        stream = self._stream("segment", segment, len(segment))
        out = []
        for index, char in enumerate(segment):
            chars = next((c for c in _CLASSES if char in c), "abcdefghijklmnopqrstuvwxyz")
            if chars == _CLASSES[0] and index == 0 and char != "0" and segment.isdigit():
                chars = "123456789"  # a number keeps its length
            out.append(chars[stream[index] % len(chars)])
        return "".join(out)

    def _url(self, value: str) -> str:
        parts = urlsplit(value)
        host = parts.hostname or ""
        if any(host == kept or host.endswith("." + kept) for kept in KEPT_HOSTS):
            host = ".".join(self._segment(label) if label.isdigit() else label
                            for label in host.split("."))
        else:
            host = _REDACTED_HOST
        path = "/".join(self._path_segment(one) for one in parts.path.split("/"))
        query = self._id(parts.query) if parts.query else ""
        return urlunsplit((parts.scheme or "https", host, path, query, ""))

    def _path_segment(self, segment: str) -> str:
        if not segment:
            return segment
        extension = _EXTENSION.search(segment)
        stem = segment[: extension.start()] if extension else segment
        return (self._id(stem) if stem else "") + (extension.group() if extension else "")

    def _label(self, kind: str, value: str) -> str:
        """``name-1a2b3c4d`` (a file's extension kept), ``text-…``."""
        extension = _EXTENSION.search(value) if kind == "name" else None
        digest = self._digest(kind, value).hex()[:8]
        return f"{kind}-{digest}{extension.group() if extension else ''}"

    def _digest(self, kind: str, value: str, block: int = 0) -> bytes:
        message = f"{kind}\0{block}\0{value}".encode("utf-8", "backslashreplace")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _stream(self, kind: str, value: str, length: int) -> bytes:
        stream = b""
        block = 0
        while len(stream) < length:
            stream += self._digest(kind, value, block)
            block += 1
        return stream[:length]


def _is_id(name: str) -> bool:
    """Whether a field holds ids: ``FileId``, ``TaskId``, ``Vid``, ``FileIdSet``…"""
    return (name.endswith(("Id", "ID", "IdSet", "IdList", "Ids")) or name == "Vid")
