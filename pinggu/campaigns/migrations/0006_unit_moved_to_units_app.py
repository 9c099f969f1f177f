"""Unit moved to the units app with its table: the foreign keys already point at that table.

State only (SeparateDatabaseAndState): no table is created, renamed or dropped, so existing data stays."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_unit_moved_to_units_app'),  # every foreign key moves before the old model goes
        ('campaigns', '0005_unit_sort_key'),
        ('units', '0001_move_unit_and_unitkind_here'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='evaluatorassignment',
                name='unit',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='units.unit'),
            ),
            migrations.AlterField(
                model_name='enrollment',
                name='unit',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='units.unit'),
            ),
            migrations.AlterField(
                model_name='campaign',
                name='units',
                field=models.ManyToManyField(related_name='campaigns', through='campaigns.Enrollment', to='units.unit'),
            ),
            migrations.AlterField(
                model_name='campaignframework',
                name='unit_kind',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='units.unitkind'),
            ),
            migrations.DeleteModel(
                name='Unit',
            ),
        ]),
    ]
