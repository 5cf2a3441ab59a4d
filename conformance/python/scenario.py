"""The partner scenario with a Python client generated from the committed spec
(openapi-python-client): a token by client credentials, a submission with an
Idempotency-Key and its replay, the own submissions by external_ref, one read, and a 404
problem for another organisation's unpublished submission; then an admin downloads the
Abwägungstabelle as XLSX, a binary file that openpyxl opens."""

import os
import uuid

import openpyxl

from beteiligung_client import AuthenticatedClient
from beteiligung_client.api.auth import issue_token
from beteiligung_client.api.reports import get_consideration_table
from beteiligung_client.api.submissions import create_submission, get_submission, list_submissions
from beteiligung_client.models import NewSubmission, Problem, SubmissionKind, TokenRequest, TokenResponse
from beteiligung_client.models.grant_type import GrantType
from beteiligung_client.models.table_format import TableFormat
from beteiligung_client.types import File

BASE = os.environ["BASE"]
CONSULTATION = "integrationskonzept-sachsen-anhalt"
# A need of the Koordinierungsstelle Stendal, in review: not visible to Caritas.
OTHERS_UNPUBLISHED = "0190f1a0-0000-7000-8000-000000000304"

# The token endpoint takes no bearer token: the header that would carry one is unused.
anonymous = AuthenticatedClient(base_url=BASE, token="", auth_header_name="X-Unused", prefix="")


def client_of(client_id: str, client_secret: str) -> AuthenticatedClient:
    token = issue_token.sync_detailed(
        client=anonymous,
        body=TokenRequest(
            grant_type=GrantType.CLIENT_CREDENTIALS,
            client_id=client_id,
            client_secret=client_secret,
        ),
    )
    assert token.status_code == 200, token.content
    assert isinstance(token.parsed, TokenResponse), token.content
    return AuthenticatedClient(base_url=BASE, token=token.parsed.access_token)


client = client_of(os.environ["PARTNER_CLIENT_ID"], os.environ["PARTNER_CLIENT_SECRET"])

external_ref = f"py-{uuid.uuid4()}"
key = str(uuid.uuid4())
need = NewSubmission(
    kind=SubmissionKind.NEED,
    topic="sprache",
    title="Sprachkurse mit Kinderbetreuung in Stendal",
    body="Eltern kleiner Kinder können Abendkurse nicht besuchen.",
    external_ref=external_ref,
)
created = create_submission.sync_detailed(CONSULTATION, client=client, body=need, idempotency_key=key)
assert created.status_code == 201, created.content
replayed = create_submission.sync_detailed(CONSULTATION, client=client, body=need, idempotency_key=key)
assert replayed.status_code == 201, replayed.content
assert replayed.headers.get("idempotent-replayed") == "true"
assert replayed.parsed.id == created.parsed.id

page = list_submissions.sync_detailed(CONSULTATION, client=client, external_ref=external_ref)
assert page.status_code == 200, page.content
assert [s.id for s in page.parsed.items] == [created.parsed.id]
assert page.parsed.sync_watermark is not None

one = get_submission.sync_detailed(created.parsed.id, client=client)
assert one.status_code == 200 and one.parsed.external_ref == external_ref, one.content

hidden = get_submission.sync_detailed(uuid.UUID(OTHERS_UNPUBLISHED), client=client)
assert hidden.status_code == 404, hidden.content
assert isinstance(hidden.parsed, Problem) and hidden.parsed.code == "not_found"

# The Abwägungstabelle as XLSX (staff only): the client hands it over as bytes, not text.
admin = client_of(os.environ["ADMIN_CLIENT_ID"], os.environ["ADMIN_CLIENT_SECRET"])
table = get_consideration_table.sync_detailed(CONSULTATION, client=admin, format_=TableFormat.XLSX)
assert table.status_code == 200, table.content
assert isinstance(table.parsed, File), type(table.parsed)
sheet = openpyxl.load_workbook(table.parsed.payload, read_only=True).active
rows = list(sheet.iter_rows(values_only=True))
assert rows[0][:4] == ("Nr.", "Handlungsfeld", "Art", "Titel"), rows[0]
assert len(rows) > 1, "the demo consultation has submissions"
print("Python client: partner scenario and XLSX download passed")
