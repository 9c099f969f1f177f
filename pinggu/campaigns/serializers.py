"""The API's shapes of campaign objects, shared by the campaigns and evidence API modules."""

from typing import Any

from . import services
from .models import Enrollment


def enrollment_out(enrollment: Enrollment, progress: Any = None) -> dict[str, Any]:
    return {
        "campaign": enrollment.campaign_id, "unit_code": enrollment.unit.code, "unit_name": enrollment.unit.name,
        "state": enrollment.state, "deadline": services.iso_local(enrollment.effective_deadline),
        "extended_deadline": services.iso_local(enrollment.extended_deadline),
        "submitted_at": services.iso_local(enrollment.submitted_at),
        **services.enrollment_record(enrollment),
        **({"progress": progress} if progress is not None else {}),
    }
