"""Background work of oversight, run by the task worker (`pinggu db_worker`, started by `pinggu serve`)."""

from django_tasks import task


@task()
def send_reminders(batch_id):
    from .reminders import deliver

    deliver(batch_id)
