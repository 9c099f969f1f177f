"""The models keep their tables (campaigns_unit, frameworks_unitkind): only Django's idea of which app owns them changes.

State only (SeparateDatabaseAndState): no table is created, renamed or dropped, so existing data stays."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    # After the migrations that created both tables, so a new database has them before the state is moved.
    dependencies = [
        ('frameworks', '0003_text_limits'),
        ('campaigns', '0005_unit_sort_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='UnitKind',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.SlugField(max_length=40, unique=True, verbose_name='代码')),
                    ('name', models.CharField(max_length=50, unique=True, verbose_name='名称')),
                    ('order', models.PositiveSmallIntegerField(default=0)),
                ],
                options={
                    'verbose_name': '单位类型',
                    'verbose_name_plural': '单位类型',
                    'db_table': 'frameworks_unitkind',
                    'ordering': ['order', 'id'],
                },
            ),
            migrations.CreateModel(
                name='Unit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='名称')),
                    ('code', models.SlugField(max_length=40, unique=True, verbose_name='代码')),
                    ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                    ('contact_phone', models.CharField(blank=True, max_length=40, verbose_name='电话')),
                    ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='邮箱')),
                    ('sort_key', models.PositiveIntegerField(blank=True, help_text='同类单位按排序号排列（如通知主送顺序）；不填的排在后面，按名称拼音排列', null=True, validators=[django.core.validators.MaxValueValidator(999999)], verbose_name='排序号')),
                    ('name_pinyin', models.CharField(blank=True, editable=False, max_length=400)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('deleted_at', models.DateTimeField(blank=True, null=True)),
                    ('kind', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='units.unitkind', verbose_name='类型')),
                ],
                options={
                    'verbose_name': '单位',
                    'verbose_name_plural': '单位',
                    'db_table': 'campaigns_unit',
                    'ordering': ['kind__order', 'kind_id', models.OrderBy(models.F('sort_key'), nulls_last=True), 'name_pinyin', 'code'],
                },
            ),
        ]),
    ]
