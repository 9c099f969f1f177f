"""A ZIP of stored (uncompressed) members, streamed, whose length is known before the first byte.

zipstream-ng computed the CRC-32 of every byte as it went out, though Pinggu recorded each file's
CRC-32 when it was uploaded: on the 2-core reference machine that pass cost about as much as reading
the file (bench/export.py, docs/性能.md). Here a member whose CRC is given goes out as its header,
then its chunks untouched; only a member without a recorded CRC gets a data descriptor computed on
the way. Sizes must be known (they are recorded too); a member whose bytes do not add up to its size
stops the stream with an error rather than sending a ZIP whose directory lies.

Names carry the UTF-8 flag; ZIP64 records are written for members or offsets past 4 GiB and for more
than 65,535 members (force_zip64 writes them always, which lets the tests read that path with small files).
"""

import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

_LIMIT = 0xFFFFFFFF
_COUNT_LIMIT = 0xFFFF
_UTF8 = 0x0800
_DESCRIPTOR = 0x0008
_UNIX_RW = 0o100600 << 16  # a regular file, rw------- (as zipstream-ng and zipfile.writestr wrote them)

Chunks = Callable[[], Iterable[bytes]]


@dataclass
class _Member:
    name: bytes
    size: int
    crc: int | None
    chunks: Chunks
    offset: int
    zip64: bool
    computed: int = 0  # the CRC found while streaming, for a member added without one

    @property
    def header_size(self) -> int:
        return 30 + len(self.name) + (20 if self.zip64 else 0)

    @property
    def descriptor_size(self) -> int:
        if self.crc is not None:
            return 0
        return 24 if self.zip64 else 16


def _dos_time(moment: time.struct_time) -> tuple[int, int]:
    year = max(moment.tm_year, 1980)
    return ((year - 1980) << 9 | moment.tm_mon << 5 | moment.tm_mday,
            moment.tm_hour << 11 | moment.tm_min << 5 | moment.tm_sec // 2)


class StoredZip:
    """add() every member, then len() is the exact byte length and iterating yields the bytes (once)."""

    def __init__(self, *, force_zip64: bool = False, when: time.struct_time | None = None) -> None:
        self.force_zip64 = force_zip64
        self._date, self._time = _dos_time(when or time.localtime())
        self._members: list[_Member] = []
        self._end = 0

    def add(self, name: str, *, size: int, crc: int | None, chunks: Chunks) -> None:
        """A member of `size` bytes that `chunks()` yields when its turn comes; crc=None computes it on the way."""
        member = _Member(name.encode("utf-8"), size, None if crc is None else crc & _LIMIT, chunks, self._end,
                         self.force_zip64 or size >= _LIMIT)
        self._members.append(member)
        self._end += member.header_size + size + member.descriptor_size

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add(name, size=len(data), crc=zlib.crc32(data), chunks=lambda: (data,))

    def __len__(self) -> int:
        return self._end + len(self._directory())

    def __iter__(self) -> Iterator[bytes]:
        for member in self._members:
            yield self._local_header(member)
            sent = 0
            crc = 0
            if member.crc is None:
                for chunk in member.chunks():
                    sent += len(chunk)
                    crc = zlib.crc32(chunk, crc)
                    yield chunk
            else:
                for chunk in member.chunks():
                    sent += len(chunk)
                    yield chunk
            if sent != member.size:
                raise RuntimeError(f"{member.name.decode()}: {sent} bytes read, {member.size} recorded")
            if member.crc is None:
                member.computed = crc
                sizes = struct.pack("<QQ", sent, sent) if member.zip64 else struct.pack("<II", sent, sent)
                yield struct.pack("<II", 0x08074B50, crc) + sizes
        yield self._directory()

    def _local_header(self, m: _Member) -> bytes:
        flags = _UTF8 | (_DESCRIPTOR if m.crc is None else 0)
        size = _LIMIT if m.zip64 else m.size
        extra = struct.pack("<HHQQ", 0x0001, 16, m.size, m.size) if m.zip64 else b""
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if m.zip64 else 20, flags, 0, self._time, self._date,
                           m.crc or 0, size, size, len(m.name), len(extra)) + m.name + extra

    def _directory(self) -> bytes:
        """The central directory and the end records; everything in it is known once the members are added."""
        parts = []
        for m in self._members:
            fields = []
            size = m.size
            if m.zip64:
                fields += [m.size, m.size]
                size = _LIMIT
            offset = m.offset
            if self.force_zip64 or m.offset >= _LIMIT:
                fields.append(m.offset)
                offset = _LIMIT
            extra = struct.pack(f"<HH{len(fields)}Q", 0x0001, 8 * len(fields), *fields) if fields else b""
            # Without a recorded CRC the value is known once the member has been streamed, which is
            # before the directory is; len() needs only the directory's length.
            crc = m.computed if m.crc is None else m.crc
            version = 45 if fields else 20
            parts.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | version, version,
                                     _UTF8 | (_DESCRIPTOR if m.descriptor_size else 0), 0, self._time, self._date,
                                     crc, size, size, len(m.name), len(extra), 0, 0, 0, _UNIX_RW, offset) + m.name + extra)
        directory = b"".join(parts)
        start, count = self._end, len(self._members)
        end = b""
        if self.force_zip64 or count >= _COUNT_LIMIT or len(directory) >= _LIMIT or start >= _LIMIT:
            record = start + len(directory)
            end += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 3 << 8 | 45, 45, 0, 0, count, count, len(directory), start)
            end += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
            count, size, start = min(count, _COUNT_LIMIT), min(len(directory), _LIMIT), min(start, _LIMIT)
            if self.force_zip64:
                count, size, start = _COUNT_LIMIT, _LIMIT, _LIMIT
        else:
            size = len(directory)
        end += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0)
        return directory + end
