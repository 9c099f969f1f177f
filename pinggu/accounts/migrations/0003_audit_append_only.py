"""The audit log is append-only in the database too, not only in application code.

UPDATE of an event's content and DELETE are refused by a trigger. Setting a foreign key to NULL
(when a user, unit or campaign row goes) stays possible: the event keeps its names and details.
A deliberate purge (retention) needs the maintenance switch: on PostgreSQL the session setting
`pinggu.audit_maintenance = 'on'`, on SQLite a row in pinggu_audit_maintenance.
"""

from django.db import migrations

CONTENT = "at, actor_name, action, ip, object_type, object_id, details"

SQLITE = [
    "CREATE TABLE IF NOT EXISTS pinggu_audit_maintenance (enabled integer NOT NULL)",
    f"""CREATE TRIGGER pinggu_audit_no_update BEFORE UPDATE OF {CONTENT} ON accounts_auditevent
        WHEN NOT EXISTS (SELECT 1 FROM pinggu_audit_maintenance)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER pinggu_audit_no_delete BEFORE DELETE ON accounts_auditevent
        WHEN NOT EXISTS (SELECT 1 FROM pinggu_audit_maintenance)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS pinggu_audit_no_update", "DROP TRIGGER IF EXISTS pinggu_audit_no_delete",
                  "DROP TABLE IF EXISTS pinggu_audit_maintenance"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION pinggu_audit_append_only() RETURNS trigger AS $$
    BEGIN
        IF coalesce(current_setting('pinggu.audit_maintenance', true), '') = 'on' THEN
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER pinggu_audit_no_update BEFORE UPDATE OF {CONTENT} ON accounts_auditevent
        FOR EACH ROW EXECUTE FUNCTION pinggu_audit_append_only()""",
    """CREATE TRIGGER pinggu_audit_no_delete BEFORE DELETE ON accounts_auditevent
        FOR EACH ROW EXECUTE FUNCTION pinggu_audit_append_only()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER IF EXISTS pinggu_audit_no_update ON accounts_auditevent",
                    "DROP TRIGGER IF EXISTS pinggu_audit_no_delete ON accounts_auditevent",
                    "DROP FUNCTION IF EXISTS pinggu_audit_append_only()"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_auditevent_campaign_auditevent_unit_user_unit")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
