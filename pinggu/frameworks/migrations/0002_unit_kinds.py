from django.db import migrations

# Frozen copy of models.DEFAULT_UNIT_KINDS: a migration must not change when the model module does.
KINDS = [
    ("county", "县级政府", 1),
    ("department", "市级部门", 2),
    ("institution", "直属事业单位", 3),
]


def add_kinds(apps, schema_editor):
    UnitKind = apps.get_model("frameworks", "UnitKind")
    for code, name, order in KINDS:
        UnitKind.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
