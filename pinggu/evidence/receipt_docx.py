"""The 报送回执 as a Word document in the 公文 style: a rendering of receipts.Receipt, nothing computed here.

Always Chinese, like every document the organizer files (the page itself follows the reader's language).
"""

from django.template.defaultfilters import filesizeformat
from django.utils import translation

from pinggu.lib import gongwen
from pinggu.lib.dates import cn_datetime

from .receipts import Receipt

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _point_row(point):
    said = []
    if point.not_applicable_reason:
        said.append(f"不适用理由：{point.not_applicable_reason}")
    if point.note:
        said.append(f"说明：{point.note}")
    said += [f"链接：{link.url}（{cn_datetime(link.added_at)}）" for link in point.links]
    files = [f"{f.name}（{filesizeformat(f.size)}，{cn_datetime(f.uploaded_at)}）\nSHA-256：{f.sha256}" for f in point.files]
    return [point.code, point.title, point.status_label, "\n".join(said), "\n".join(files)]


def build(receipt: Receipt) -> bytes:
    with translation.override("zh-hans"):
        document = gongwen.new_document(landscape=True, title=f"报送回执 {receipt.number}", author=receipt.unit_name)
        gongwen.title(document, "报送回执")
        gongwen.blank(document)
        for label, value in (
            ("回执编号", receipt.number), ("评估任务", receipt.campaign_title),
            ("报送单位", f"{receipt.unit_name}（{receipt.unit_code}）"), ("报送人", receipt.submitter),
            ("报送时间", cn_datetime(receipt.submitted_at)),
            ("已填报", f"{receipt.answered} / {len(receipt.points)} 个考核点"),
            ("文件", f"{receipt.file_count} 个（{filesizeformat(receipt.total_bytes)}）"),
            ("内容指纹（SHA-256）", receipt.fingerprint),
        ):
            gongwen.paragraph(document, f"{label}：{value}", indent=0)
        gongwen.body(document, "以下为本单位报送的全部印证材料。内容指纹按本回执所列内容计算，可据此核对报送后材料未被改动。")
        gongwen.simple_table(
            document, ["编号", "考核点", "状态", "说明、不适用理由与链接", "文件（名称、大小、上传时间、SHA-256）"],
            [_point_row(p) for p in receipt.points], wide=1, align_left=(1, 3, 4),
        )
        return gongwen.to_bytes(document)
