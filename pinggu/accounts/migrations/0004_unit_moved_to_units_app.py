"""Unit moved to the units app with its table: the foreign keys already point at that table.

State only (SeparateDatabaseAndState): no table is created, renamed or dropped, so existing data stays."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_audit_append_only'),
        ('units', '0001_move_unit_and_unitkind_here'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='auditevent',
                name='unit',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='units.unit'),
            ),
            migrations.AlterField(
                model_name='user',
                name='unit',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='units.unit', verbose_name='所属单位'),
            ),
        ]),
    ]
