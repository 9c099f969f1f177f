"""The evidence bundle: one ZIP for a campaign or some of its units, streamed as it is written.

Layout: 单位/考核点编号 简称/原文件名, a 说明.txt per unit (notes, links, 不适用 reasons)
and at the root manifest.csv and manifest.xlsx (unit, point, file, size, SHA-256,
uploader, time, a warning for a suspected zip bomb). Files are stored, not recompressed
(evidence is mostly compressed already), so the total length is known before the first
byte is sent; ZIP64 is used past 4 GB and names carry the UTF-8 flag. Deleted files are left out.
The CRC-32 recorded at upload goes into the headers, so the bytes pass through untouched
(pinggu/lib/storedzip.py).
"""

import csv
import hashlib
import io
import os
from functools import partial

from django.utils import timezone
from openpyxl import Workbook

from pinggu import storage as stored
from pinggu.campaigns.models import unit_ordering
from pinggu.evidence import filetypes
from pinggu.evidence.models import Evidence, EvidenceKind, Response, ResponseStatus
from pinggu.frameworks.models import Checkpoint
from pinggu.lib import zipdir
from pinggu.lib.office import safe_cell, to_bytes
from pinggu.lib.storedzip import StoredZip

from .names import UniqueNames, short_title, windows_safe

CHUNK = 1024 * 1024  # large reads: fewer trips through Python per byte
STATUS_TEXT = {ResponseStatus.EMPTY: "未填报", ResponseStatus.DONE: "已填报", ResponseStatus.NOT_APPLICABLE: "不适用",
               ResponseStatus.RETURNED: "已退回"}
MANIFEST_HEADER = ["单位", "单位代码", "考核点", "包内路径", "原文件名", "大小（字节）", "SHA-256", "上传人", "上传时间", "提示"]


class Plan:
    """Everything the ZIP will contain, read from the database in a fixed number of queries."""

    def __init__(self, campaign, enrollments):
        self.campaign = campaign
        self.enrollments = list(enrollments.select_related("unit").order_by(*unit_ordering("unit__")))
        ids = [e.pk for e in self.enrollments]
        self.checkpoints = {cp.pk: cp for cp in Checkpoint.objects.filter(framework_id__in={e.framework_id for e in self.enrollments})}
        self.responses = list(Response.objects.filter(enrollment_id__in=ids).order_by("pk"))
        self.evidence = list(
            Evidence.objects.alive().filter(response__enrollment_id__in=ids)
            .select_related("uploaded_by", "response").order_by("response__enrollment_id", "response__checkpoint__position", "uploaded_at", "pk")
        )

    def signature(self):
        """Changes whenever anything in the bundle would change: its identity for a pre-built copy."""
        h = hashlib.sha256()
        h.update(f"{self.campaign.pk}|{[e.pk for e in self.enrollments]}".encode())
        for r in self.responses:
            h.update(f"|r{r.pk}:{r.status}:{r.note}".encode())
        for e in self.evidence:
            h.update(f"|e{e.pk}:{e.sha256}:{e.url}:{e.filename}:{e.note}".encode())
        return h.hexdigest()[:32]

    def entries(self):
        """[(arcname, evidence)] for files, and the per-unit 说明.txt and manifest contents."""
        by_enrollment = {}
        for item in self.evidence:
            by_enrollment.setdefault(item.response.enrollment_id, []).append(item)
        responses = {}
        for r in self.responses:
            responses.setdefault(r.enrollment_id, []).append(r)
        unit_folders = UniqueNames()
        files, notes, manifest = [], [], []
        for enrollment in self.enrollments:
            unit = enrollment.unit
            folder = unit_folders(windows_safe(unit.name, limit=60))
            point_folders = {}
            point_names = UniqueNames()
            names_in = {}
            for item in by_enrollment.get(enrollment.pk, []):
                cp = self.checkpoints[item.response.checkpoint_id]
                if item.kind != EvidenceKind.FILE:
                    continue
                if cp.pk not in point_folders:
                    point_folders[cp.pk] = point_names(windows_safe(f"{cp.code} {short_title(cp.text)}", limit=60))
                    names_in[cp.pk] = UniqueNames()
                name = names_in[cp.pk](windows_safe(item.filename, limit=100))
                path = f"{folder}/{point_folders[cp.pk]}/{name}"
                files.append((path, item))
                manifest.append([unit.name, unit.code, cp.code, path, item.filename, item.size, item.sha256,
                                 item.uploaded_by.get_username() if item.uploaded_by else "",
                                 timezone.localtime(item.uploaded_at).strftime("%Y-%m-%d %H:%M:%S")])
            notes.append((f"{folder}/说明.txt", self._notes(enrollment, responses.get(enrollment.pk, []), by_enrollment.get(enrollment.pk, []))))
        return files, notes, manifest

    def _notes(self, enrollment, responses, evidence):
        links = {}
        for item in evidence:
            if item.kind == EvidenceKind.LINK:
                links.setdefault(item.response.checkpoint_id, []).append(item)
        lines = [f"{enrollment.unit.name} — {self.campaign.title}", f"状态：{enrollment.get_state_display()}"]
        if enrollment.submitted_at:
            lines.append(f"报送时间：{timezone.localtime(enrollment.submitted_at):%Y-%m-%d %H:%M}")
        lines.append("")
        by_cp = {r.checkpoint_id: r for r in responses}
        for cp in sorted((self.checkpoints[c] for c in set(by_cp) | set(links)), key=lambda c: c.position):
            r = by_cp.get(cp.pk)
            lines.append(f"[{cp.code}] {STATUS_TEXT.get(r.status, '') if r else '已填报'}  {short_title(cp.text, 40)}")
            if r and r.note:
                label = "不适用理由" if r.status == ResponseStatus.NOT_APPLICABLE else "说明"
                lines.append(f"  {label}：{r.note}")
            for link in links.get(cp.pk, []):
                lines.append(f"  链接：{link.url}" + (f"（{link.note}）" if link.note else ""))
            lines.append("")
        # BOM and CRLF: Notepad on older Windows shows the Chinese text correctly.
        return ("\ufeff" + "\r\n".join(lines)).encode("utf-8")


def package_warning(item: Evidence) -> str:
    """A warning for the manifest when an Office/OFD file declares an absurd expansion (a zip bomb).

    Read from the file's ZIP directory at export time, so no column is stored; the
    server never unpacks the file, but whoever opens the bundle might.
    """
    if item.file_type not in filetypes.PACKAGE_EXTENSIONS:
        return ""
    try:
        with stored.open_seekable(item.file.storage, item.file.name) as fh:  # type: ignore[arg-type]  # a stored file has a name
            package = zipdir.inspect_package(fh)
    except zipdir.TooManyEntries:
        return "内含文件过多，未检查，请谨慎打开"  # stored before uploads were limited
    except OSError:
        return ""
    if package is None or not package.suspicious_ratio:
        return ""
    return f"疑似压缩炸弹：声明解压后约为文件大小的 {package.ratio:,.0f} 倍，请勿打开或解压"


def _manifest_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    for row in rows:
        writer.writerow([safe_cell(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _manifest_xlsx(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("清单")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (24, 12, 8, 60, 40, 14, 66, 14, 20, 40)):
        ws.column_dimensions[col].width = width
    ws.append(MANIFEST_HEADER)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    return to_bytes(wb)


def _prefetch(storage, name):
    """Ask the kernel to start reading a local file now, so disk reads overlap with sending the previous one."""
    if name is None or not hasattr(os, "posix_fadvise") or not stored.is_local(storage):
        return  # remote storage (S3): nothing to hint
    path = storage.path(name)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read(storage, name, next_name):
    def chunks():
        reader = stored.read_range(storage, name, chunk=CHUNK)
        try:
            first = next(reader, None)
            _prefetch(storage, next_name)
            if first is not None:
                yield first
                yield from reader
        finally:
            reader.close()

    return chunks()


def zip_stream(plan):
    """A StoredZip whose len() is the exact byte length; iterate it (once) to get the bytes."""
    files, notes, manifest = plan.entries()
    # entries() appends a manifest row with each file; the warnings are read here, not
    # there, so that pages which only count the files do not open them.
    manifest = [row + [package_warning(item)] for row, (_, item) in zip(manifest, files, strict=True)]
    zs = StoredZip(when=timezone.localtime().timetuple())
    zs.add_bytes("manifest.csv", _manifest_csv(manifest))
    zs.add_bytes("manifest.xlsx", _manifest_xlsx(manifest))
    for path, body in notes:
        zs.add_bytes(path, body)
    storage = Evidence._meta.get_field("file").storage
    if files:
        _prefetch(storage, files[0][1].file.name)
    for i, (path, item) in enumerate(files):
        following = files[i + 1][1].file.name if i + 1 < len(files) else None
        zs.add(path, size=item.size, crc=item.crc32, chunks=partial(_read, storage, item.file.name, following))
    return zs
