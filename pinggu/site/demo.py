"""Demo data, loaded idempotently: running it twice changes nothing."""

import secrets
from importlib import resources

from django.db import transaction

from pinggu.accounts.models import Role, User
from pinggu.frameworks import importing, services

BUNDLED = ["yulin-2020-county.yaml", "yulin-2020-department.yaml"]


def bundled_frameworks():
    """The notice's two checklists shipped in the package, as dicts."""
    datas = []
    for name in BUNDLED:
        with resources.files("pinggu.frameworks").joinpath("data", name).open("rb") as fh:
            datas.extend(importing.read(name, fh))
    return datas


@transaction.atomic
def load(password=None):
    lines = []
    for data in bundled_frameworks():
        if services.get_framework(data["code"]) is None:
            fw = services.create_framework(data, source_name=f"{data['code']}.yaml")
            lines.append(f"已载入指标体系：{fw.name}")
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(9) + "A1!"
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"role": Role.ORGANIZER, "display_name": "演示组织单位管理员", "is_staff": True}
    )
    if created or (not generated and not admin.check_password(password)):
        admin.set_password(password)
        admin.must_change_password = False
        admin.save()
        lines.append(f"组织单位账户：admin / {password}")
    else:
        lines.append("组织单位账户：admin（已存在，密码未改；用 --password 重设）")
    return lines
