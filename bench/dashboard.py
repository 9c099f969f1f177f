"""Dashboard, matrix and progress API at 1,000 units x 36 points: query counts and times.

Builds a throw-away instance in a temporary data directory (SQLite, as the
embedded default), enrolls N units in the demo campaign with a realistic mix of
answers, then times each page through Django's test client. Times are printed
with a ratio to a small page (the framework list), measured in the same run (the machine is noisy).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["PINGGU_DATA_DIR"] = tempfile.mkdtemp(prefix="pinggu-bench-dash-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    os.environ["PINGGU_ALLOWED_HOSTS"] = "testserver,localhost"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pinggu.accounts.models import User
    from pinggu.campaigns.models import Campaign, Enrollment, Unit
    from pinggu.evidence.models import Response
    from pinggu.frameworks.models import Checkpoint, UnitKind
    from pinggu.site import demo

    call_command("migrate", verbosity=0)
    call_command("demo", password="Bench-Passw0rd!", stdout=open(os.devnull, "w"))
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)  # the open one; the finished one has its own
    county = UnitKind.objects.get(code="county")
    framework = campaign.framework_links.get(unit_kind=county).framework
    checkpoints = list(Checkpoint.objects.filter(framework=framework))
    need = args.units - campaign.enrollments.count()
    units = Unit.objects.bulk_create([Unit(name=f"基准单位{i:05d}", code=f"b{i:05d}", kind=county) for i in range(need)])
    enrollments = Enrollment.objects.bulk_create([Enrollment(campaign=campaign, unit=u, framework=framework) for u in units])
    rng = random.Random(1)
    responses = []
    for e in enrollments:
        for cp in rng.sample(checkpoints, rng.randint(0, len(checkpoints))):
            responses.append(Response(enrollment=e, checkpoint=cp, status=rng.choice(["done", "done", "done", "not_applicable"])))
    Response.objects.bulk_create(responses, batch_size=5000)
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    from pinggu.accounts.models import ApiToken

    raw, _ = ApiToken.issue(User.objects.get(username="admin"))
    pages = [
        ("framework list (baseline)", "/frameworks/", {}),
        ("dashboard", f"/campaigns/{campaign.pk}/progress/", {}),
        ("matrix", f"/campaigns/{campaign.pk}/matrix/", {}),
        ("progress API", f"/api/v1/campaigns/{campaign.pk}/progress", {"HTTP_AUTHORIZATION": f"Bearer {raw}"}),
    ]
    print(f"{campaign.enrollments.count()} units x {len(checkpoints)} points, {len(responses)} answers")
    baseline = None
    for name, url, extra in pages:
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, **extra)
                if response.streaming:
                    b"".join(response.streaming_content)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        median = statistics.median(times)
        baseline = baseline or median
        print(f"{name:24s} {len(ctx.captured_queries):3d} queries  {median * 1000:8.1f} ms  ({median / baseline:5.1f} x baseline page)"
              f"  {len(response.content) // 1024 if not response.streaming else 0} KB")


if __name__ == "__main__":
    main()
