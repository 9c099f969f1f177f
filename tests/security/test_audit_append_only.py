"""Issue 7, finding 9: the audit log is append-only in the database, not only in application code."""

import pytest
from django.db import DatabaseError, connection, transaction

from pinggu.accounts.audit import record
from pinggu.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked():
    """The switch the test suite turns on for SQLite's flush, turned off (inside this test's transaction)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM pinggu_audit_maintenance")


def test_update_and_delete_are_refused_by_the_database(locked, organizer):
    event = record("test", actor=organizer, note="原文")
    for sql in ("UPDATE accounts_auditevent SET action = 'forged' WHERE id = %s",
                "UPDATE accounts_auditevent SET details = '{}' WHERE id = %s",
                "DELETE FROM accounts_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert (event.action, event.details) == ("test", {"note": "原文"})


def test_a_removed_actor_leaves_the_event_with_its_name(locked, organizer):
    event = record("test", actor=organizer)
    AuditEvent.objects.filter(pk=event.pk).update(actor=None)  # what ON DELETE SET NULL does
    event.refresh_from_db()
    assert event.actor_id is None and event.actor_name == organizer.username
