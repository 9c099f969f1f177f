"""Ten uploads at once to one unit: every file stored, counted and audited."""

import io
import threading

import pytest
from django.db import connections
from django.test import Client

from pinggu.accounts.models import AuditEvent
from pinggu.evidence.models import Evidence

from ..conftest import PDF


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_uploads_lose_nothing(world):
    campaign = world.campaign
    barrier = threading.Barrier(10)
    results = [None] * 10

    def upload(i):
        try:
            client = Client()
            client.force_login(world.sub_a)
            content = PDF + f"% file {i}".encode() * (i + 1)
            f = io.BytesIO(content)
            f.name = f"并发{i}.pdf"
            point = "C01" if i % 2 else "C02"  # two points, five uploads each: same-row contention too
            barrier.wait()
            results[i] = client.post(f"/campaigns/{campaign.pk}/units/unit-a/points/{point}/upload/", {"file": f},
                                     HTTP_ACCEPT="application/json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 10
    items = list(Evidence.objects.all())
    assert sorted(e.filename for e in items) == sorted(f"并发{i}.pdf" for i in range(10))
    for e in items:
        with e.file.open("rb") as fh:
            assert fh.read().startswith(PDF)
    enrollment = world.enrollment(world.a)
    assert enrollment.bytes_used == sum(e.size for e in items)
    assert AuditEvent.objects.filter(action="upload", unit=world.a).count() == 10
    assert enrollment.responses.filter(status="done").count() == 2
