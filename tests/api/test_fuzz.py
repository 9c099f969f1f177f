"""Property-based fuzzing of the API from its own OpenAPI schema, in process, with a fixed seed.

Every operation, as the organizer and as a submitter of one unit: no server
error, and only the statuses, content types and bodies the schema documents.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from ..conftest import token_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and role: about 50 such pairs keep the whole run near a minute.
EXAMPLES = 20

# Loaded at collection: the schema view needs no database. (schemathesis'
# fixture-based lazy loading does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def bearer(client, world):
    """Authorization headers by username, obtained as any client would."""
    tokens = {username: token_for(client, username) for username in ("org", "sub-a")}
    # Like Django's test client (which token_for used, and which reconnects these on its way out):
    # the WSGI handler would otherwise close the connection after each request, and the test's transaction with it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {username: {"Authorization": f"Bearer {token}"} for username, token in tokens.items()}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@FUZZ
def test_api_as_organizer(case, bearer):
    case.call_and_validate(headers=bearer["org"], checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_submitter(case, bearer):
    case.call_and_validate(headers=bearer["sub-a"], checks=CHECKS)
