"""UnitKind moved to the units app with its table: the foreign key already points at that table.

State only (SeparateDatabaseAndState): no table is created, renamed or dropped, so existing data stays."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('frameworks', '0003_text_limits'),
        ('units', '0001_move_unit_and_unitkind_here'),
        ('campaigns', '0006_unit_moved_to_units_app'),  # the old campaigns.Unit referred to this UnitKind
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='framework',
                name='unit_kind',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='units.unitkind', verbose_name='适用单位类型'),
            ),
            migrations.DeleteModel(
                name='UnitKind',
            ),
        ]),
    ]
