"""The one way a test signs a user in to the portal without a browser: a Django test client with
the user's session (`force_login`), optionally with a current Location (the switcher's session
key) and the client's own options (`raise_request_exception=False` to see a 500 as a page)."""

from __future__ import annotations

from django.test import Client

from accounts.scoping import SESSION_KEY


def login(user, location=None, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    if location is not None:
        session = client.session
        session[SESSION_KEY] = location.pk
        session.save()
    return client
