"""Moving Unit and UnitKind into the units app keeps the rows of an existing data directory."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("campaigns", "0005_unit_sort_key"), ("frameworks", "0003_text_limits"), ("accounts", "0003_audit_append_only")]
AFTER = [("units", "0001_move_unit_and_unitkind_here"), ("accounts", "0004_unit_moved_to_units_app"),
         ("campaigns", "0006_unit_moved_to_units_app"), ("frameworks", "0004_unitkind_moved_to_units_app")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_units_keep_their_rows_and_references_across_the_move():
    try:
        check_move()
    finally:  # back to the newest schema (other apps' later migrations too) for the tests that follow
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def check_move():
    old = migrate(BEFORE)  # the schema of a data directory made before the move
    kind = old.get_model("frameworks", "UnitKind").objects.create(code="town", name="乡镇", order=9)
    unit = old.get_model("campaigns", "Unit").objects.create(name="某镇", code="mz", kind=kind, name_pinyin="mou zhen")
    old.get_model("accounts", "User").objects.create(username="mz-user", unit=unit, role="submitter")
    framework = old.get_model("frameworks", "Framework").objects.create(code="town-fw", name="乡镇清单", year=2026,
                                                                        unit_kind=kind)
    campaign = old.get_model("campaigns", "Campaign").objects.create(
        title="迁移测试", year=2026, deadline="2026-12-01T09:00:00Z", opens_at="2026-11-01T09:00:00Z")
    old.get_model("campaigns", "Enrollment").objects.create(campaign=campaign, unit=unit, framework=framework)

    new = migrate(AFTER)
    Unit = new.get_model("units", "Unit")
    moved = Unit.objects.get(code="mz")
    assert (moved.pk, moved.name, moved.kind.code) == (unit.pk, "某镇", "town")
    assert new.get_model("accounts", "User").objects.get(username="mz-user").unit_id == unit.pk
    assert new.get_model("frameworks", "Framework").objects.get(code="town-fw").unit_kind.code == "town"
    assert new.get_model("campaigns", "Enrollment").objects.get(campaign_id=campaign.pk).unit.code == "mz"
    assert list(Unit.objects.get(code="mz").enrollments.values_list("campaign__title", flat=True)) == ["迁移测试"]
