from django_tasks import task


@task()
def build_bundle(campaign_id, signature):
    from .prebuilt import build

    build(campaign_id, signature)


@task()
def run_export_job(job_id):
    from .jobs import run

    run(job_id)
