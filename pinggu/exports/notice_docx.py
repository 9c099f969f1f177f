"""The campaign notice as a Word document in 公文 style (GB/T 9704-2012), its checklists as 附件, ready to send.

成文日期 is the day reporting opens: the day the notice goes out to the units.
"""

from django.utils import timezone

from pinggu.frameworks import exports
from pinggu.frameworks.services import to_dict
from pinggu.lib import address, gongwen
from pinggu.lib.dates import cn_datetime


def _recipients(links):
    return "、".join(f"各{link.unit_kind.name}" for link in links) or "各参评单位"


def build(campaign, request=None):
    links = list(campaign.framework_links.select_related("framework", "unit_kind").order_by("unit_kind__order"))
    document = gongwen.new_document(title=campaign.title, author=campaign.issuer)
    gongwen.title(document, campaign.title)
    gongwen.blank(document)
    blocks = gongwen.markdown_blocks(campaign.notice)
    if blocks and blocks[0][0] == "paragraph" and blocks[0][1].endswith(("：", ":")):
        gongwen.recipients(document, blocks.pop(0)[1])
    else:
        gongwen.recipients(document, _recipients(links))
    for kind, text in blocks:
        {"heading1": gongwen.heading1, "heading2": gongwen.heading2}.get(kind, gongwen.body)(document, text)
    if campaign.basis and campaign.basis not in (campaign.notice or ""):
        gongwen.body(document, f"依据文件：{campaign.basis}。")
    gongwen.body(document, f"请于{cn_datetime(campaign.deadline)}前登录评估系统报送印证材料。"
                           f"登录地址：{address.login_url(request)}，用户名为本单位代码（见账户表），首次登录须修改初始密码。")
    contact = "，".join(x for x in (
        f"联系人：{campaign.contact_name}" if campaign.contact_name else "",
        f"联系电话：{campaign.contact_phone}" if campaign.contact_phone else "",
        f"邮箱：{campaign.contact_email}" if campaign.contact_email else "",
    ) if x)
    if contact:
        gongwen.body(document, f"{contact}。系统地址：{address.base_url(request)}")
    gongwen.attachment_list(document, [link.framework.name for link in links])
    gongwen.signature(document, campaign.issuer, timezone.localtime(campaign.opens_at).date())
    for i, link in enumerate(links, 1):
        exports.to_docx(to_dict(link.framework), attachment_label=f"附件{i}", document=document)
    return gongwen.to_bytes(document)
