"""Background work of campaigns, run by the task worker (`pinggu db_worker`, started by `pinggu serve`)."""

from django_tasks import task


@task()
def send_notice(enrollment_id, kind):
    from .notices import deliver

    deliver(enrollment_id, kind)
