"""Creating submitter accounts for N units (default 300) in one request: time, and the same as a number of production argon2 hashes.

Builds a throw-away instance in a temporary data directory, creates N units enrolled in the demo
campaign and posts the organizer's "生成填报账户" form through Django's test client (the whole
request, credentials workbook included). The baseline, measured in the same run on the same
machine, is one password hashed with the production argon2 parameters; the ratio says how many
such hashes the request costs.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    args = parser.parse_args()
    os.environ["PINGGU_DATA_DIR"] = tempfile.mkdtemp(prefix="pinggu-bench-accounts-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    os.environ["PINGGU_ALLOWED_HOSTS"] = "testserver,localhost"
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client

    from pinggu.accounts.models import Role, User
    from pinggu.campaigns import services as cs
    from pinggu.campaigns.models import Campaign
    from pinggu.frameworks.models import UnitKind
    from pinggu.site import demo

    call_command("migrate", verbosity=0)
    call_command("demo", password="Bench-Passw0rd!", stdout=open(os.devnull, "w"))
    campaign = Campaign.objects.get(title=demo.CAMPAIGN_TITLE)  # the open one; the finished one has its own
    county = UnitKind.objects.get(code="county")
    units = [cs.create_unit(name=f"基准单位{i:05d}", kind=county.code, code=f"bench{i:05d}") for i in range(args.units)]
    cs.enroll(campaign, units)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        make_password("Baseline-Passw0rd!")
        samples.append(time.perf_counter() - start)
    baseline = sorted(samples)[2]
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    start = time.perf_counter()
    response = client.post(f"/campaigns/{campaign.pk}/accounts/")
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    made = User.objects.filter(role=Role.SUBMITTER, username__startswith="bench").count()
    print(f"{made} accounts created in {elapsed:.2f} s ({elapsed / max(made, 1) * 1000:.0f} ms each)")
    print(f"baseline: one production argon2 hash {baseline * 1000:.0f} ms; the request costs {elapsed / baseline:.0f} such hashes "
          f"({elapsed / baseline / max(made, 1):.2f} per account)")


if __name__ == "__main__":
    main()
