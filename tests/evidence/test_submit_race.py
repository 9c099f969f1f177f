"""Issue 7, finding 4: an upload still being read when the unit submits is refused, not stored after the lock."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from pinggu.campaigns.models import EnrollmentState
from pinggu.campaigns.services import CampaignError
from pinggu.evidence import services
from pinggu.evidence.models import Evidence

from ..conftest import PDF


class SubmitWhileHashing(SimpleUploadedFile):
    """A large upload during whose reading (after the early checks) the unit confirms submission elsewhere."""

    def __init__(self, world):
        super().__init__("大文件.pdf", PDF + b"%" * (8 * 1024 * 1024))
        self.world, self.fired = world, False

    def read(self, *args):
        if not self.fired and args and args[0] >= 1024 * 1024:
            self.fired = True
            # Another request, another database connection: exactly what a second browser tab does.
            thread = threading.Thread(target=self._submit)
            thread.start()
            thread.join()
        return super().read(*args)

    def _submit(self):
        try:
            services.submit(self.world.enrollment(self.world.a), user=self.world.sub_a, acknowledge_incomplete=True)
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_upload_racing_submit_is_refused_and_leaves_nothing(world, settings):
    upload = SubmitWhileHashing(world)
    with pytest.raises(CampaignError) as refused:
        services.add_file(world.enrollment(world.a), "C01", upload, user=world.sub_a)
    assert upload.fired
    assert (refused.value.code, refused.value.status) == ("submitted", 409)
    enrollment = world.enrollment(world.a)
    assert enrollment.state == EnrollmentState.SUBMITTED
    assert enrollment.bytes_used == 0 and not Evidence.objects.exists()
    stored = settings.MEDIA_ROOT / "evidence"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]
