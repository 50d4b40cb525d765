"""Factories and isolation-matrix registrations of the conflicts capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

ISOLATION_KWARGS: dict = {}
AGENT_ONLY_URL_NAMES: set = set()
