"""POST/GET /api/v1/calls/ (idempotent; two of three keys) and GET /api/v1/leads/."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from leads.models import CallRecord
from leads.selectors import call_lookup, leads_by_status_and_source
from tests.conftest import session_api, token_client
from tests.factories import CallRecordFactory, LeadFactory

UTC = ZoneInfo("UTC")
AT = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def call(**extra):
    return {
        "provider_call_id": "CA-1",
        "caller_number": "347-555-0101",
        "called_number": "+1 (718) 555-0190",
        "started_at": AT.isoformat(),
        "duration_seconds": 95,
        "recording_url": "https://recordings.example/CA-1.mp3",
        **extra,
    }


@pytest.mark.django_db
def test_post_call_is_idempotent_and_finds_location_and_lead(routed, agent):
    lead = LeadFactory(location=routed.location, phone="+13475550101")
    api = token_client(agent, "agent")
    first = api.post("/api/v1/calls/", call(), format="json")
    again = api.post("/api/v1/calls/", call(), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    body = first.json()
    assert (body["location"], body["lead"], body["caller_number"], body["agent"]) == (
        routed.location.pk,
        lead.pk,
        "+13475550101",
        agent.pk,
    )
    assert CallRecord.objects.count() == 1


@pytest.mark.django_db
def test_post_call_bad_input(routed, agent, tenant_b):
    api = token_client(agent, "agent")
    unknown = api.post("/api/v1/calls/", call(called_number="+12125550000"), format="json")
    assert unknown.status_code == 400 and "called_number" in unknown.json()
    bad = api.post("/api/v1/calls/", call(caller_number="x", started_at="yesterday", extra=1), format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"extra"}
    other_lead = LeadFactory(location=tenant_b.location)
    wrong = api.post("/api/v1/calls/", call(lead=other_lead.pk), format="json")
    assert wrong.status_code == 400 and "lead" in wrong.json()
    assert session_api(routed.owner).post("/api/v1/calls/", call(), format="json").status_code == 403
    brand_b = token_client(tenant_b.brand_user, "brand", brand=tenant_b.brand)
    assert brand_b.post("/api/v1/calls/", call(), format="json").status_code == 400  # not its number


@pytest.mark.django_db
def test_lookup_needs_two_of_three(routed, agent):
    CallRecordFactory(
        location=routed.location, caller_number="+13475550101", called_number="+17185550190", started_at=AT
    )
    api = token_client(agent, "agent")
    one = api.get("/api/v1/calls/", {"caller": "3475550101"})
    assert one.status_code == 400 and "at least two" in one.json()["detail"][0]
    assert len(api.get("/api/v1/calls/", {"caller": "3475550101", "called": "7185550190"}).json()) == 1
    near = (AT + timedelta(minutes=14)).isoformat()
    far = (AT + timedelta(minutes=16)).isoformat()
    assert len(api.get("/api/v1/calls/", {"caller": "3475550101", "at": near}).json()) == 1
    assert len(api.get("/api/v1/calls/", {"called": "7185550190", "at": far}).json()) == 0
    assert api.get("/api/v1/calls/", {"called": "7185550190", "at": "soon"}).status_code == 400
    with pytest.raises(ValidationError):
        call_lookup(user=agent, at=AT)
    assert call_lookup(user=routed.owner, caller="+13475550101", at=AT).count() == 1
    assert call_lookup(user=routed.brand_user, caller="+13475550101", at=AT).count() == 1


@pytest.mark.django_db
def test_lookup_is_scoped(routed, tenant_b):
    CallRecordFactory(
        location=routed.location, caller_number="+13475550101", called_number="+17185550190", started_at=AT
    )
    assert call_lookup(user=tenant_b.owner, caller="+13475550101", called="+17185550190").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 200])
def test_lead_list_api_queries_are_flat(tenant_a, agent, n, django_assert_num_queries):
    for _ in range(n):
        LeadFactory(location=tenant_a.location)
    api = token_client(agent, "agent")
    api.get("/api/v1/leads/")  # stamps the token's last_used_at
    # 1 token (with its user), 2 the page of leads (scoping is a subquery; no COUNT with cursors).
    with django_assert_num_queries(2):
        response = api.get("/api/v1/leads/", {"status": "in_process", "page_size": 200})
    assert len(response.json()["results"]) == n


@pytest.mark.django_db
def test_lead_list_api_filters_and_cursor(tenant_a, tenant_b, agent):
    from django.utils import timezone

    for _ in range(5):
        LeadFactory(location=tenant_a.location)
    LeadFactory(location=tenant_b.location, status="converted")
    api = session_api(tenant_a.owner)
    first = api.get("/api/v1/leads/", {"page_size": 3}).json()
    second = api.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == 5 == len(set(ids)) and second["next"] is None
    assert api.get("/api/v1/leads/", {"status": "converted"}).json()["results"] == []
    agent_api = token_client(agent, "agent")
    assert len(agent_api.get("/api/v1/leads/", {"location": tenant_b.location.pk}).json()["results"]) == 1
    future = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert agent_api.get("/api/v1/leads/", {"updated_since": future}).json()["results"] == []
    assert agent_api.get("/api/v1/leads/", {"updated_since": "nope"}).status_code == 400
    assert agent_api.get("/api/v1/leads/", {"status": "hot"}).status_code == 400


@pytest.mark.django_db
def test_leads_by_status_and_source(tenant_a):
    from django.utils import timezone

    from accounts.models import Location

    LeadFactory(location=tenant_a.location, source="online")
    LeadFactory(location=tenant_a.location, source="online")
    LeadFactory(location=tenant_a.location, source="phone", status="converted")
    now = timezone.now()
    rows = leads_by_status_and_source(
        locations_qs=Location.objects.filter(pk=tenant_a.location.pk),
        start=now - timedelta(days=1),
        end=now + timedelta(days=1),
    )
    assert rows == [
        {"status": "converted", "source": "phone", "count": 1},
        {"status": "in_process", "source": "online", "count": 2},
    ]
