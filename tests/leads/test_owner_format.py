"""Lead codes in words on the portal pages."""

from leads.templatetags.leads_format import lead_reason, lead_source, lead_status


def test_lead_codes_in_words():
    assert lead_status("owner_action") == "Owner action"
    assert lead_reason("transferred") == "Transferred to the owner"
    assert lead_reason("Client moved away") == "Client moved away"
    assert lead_source("api") == "API"
