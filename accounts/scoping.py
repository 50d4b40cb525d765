"""Tenant scoping: which Locations a user (or an API token) may see, and with which role.

Every owner-facing query goes through `Model.objects.visible_to(user)`, which calls
`visible_location_ids` here: a subquery, so scoping adds no round trip. Views fetch single
objects with `get_visible_or_404`, so a row of another tenant answers 404, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, Func, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from pronexis.db import instance_from_row

SESSION_KEY = "current_location_id"
SWITCHER_SIZE = 200  # Locations listed in the header switcher
EDIT_ROLES = ("owner", "manager")


def _token(user):
    return getattr(user, "api_token", None)


def sees_all_locations(user) -> bool:
    """Staff and agents work across every Location (agents through the console and API)."""
    token = _token(user)
    if token is not None:
        return token.scope == "agent"
    return bool(user.is_authenticated and (user.is_staff or user.is_agent))


def sees_every_location(user) -> bool:
    """Agents, staff and agent-scoped tokens see every Location: their queries need no subquery."""
    from .models import ApiToken

    if not user.is_authenticated:
        return False
    token = _token(user)
    if token is not None:
        return token.scope == ApiToken.Scope.AGENT
    return user.is_staff or user.is_agent


def visible_location_ids(user) -> QuerySet:
    """A subquery of the ids of the Locations `user` may see."""
    from .models import ApiToken, Location, Membership

    if not user.is_authenticated:
        return Location.objects.none().values("id")
    token = _token(user)
    if token is not None:
        if token.scope == ApiToken.Scope.AGENT:
            return Location.objects.values("id")
        if token.scope == ApiToken.Scope.BRAND:
            return Location.objects.filter(brand_id=token.brand_id).values("id")
        return Membership.objects.filter(user=user, role="owner").values("location_id")
    if user.is_staff or user.is_agent:
        return Location.objects.values("id")
    if not user.has_brand_access:  # the common case: a plain subquery PostgreSQL turns into a semi-join
        return Membership.objects.filter(user=user).values("location_id")
    return Location.objects.filter(Q(memberships__user=user) | Q(brand__brand_memberships__user=user)).values("id")


def sees_brand_only_rows(user) -> bool:
    """Whether rows that belong to a brand only (leads no Location took) can be visible at all —
    so the common owner query carries no OR that would stop PostgreSQL from using an index."""
    from .models import ApiToken

    if not user.is_authenticated:
        return False
    token = _token(user)
    if token is not None:
        return token.scope in (ApiToken.Scope.AGENT, ApiToken.Scope.BRAND)
    return user.is_staff or user.is_agent or user.has_brand_access


def visible_brand_ids(user) -> QuerySet:
    """Brands whose brand-only rows (leads no Location took) the user may see."""
    from .models import ApiToken, Brand

    if not user.is_authenticated:
        return Brand.objects.none().values("id")
    token = _token(user)
    if token is not None:
        if token.scope == ApiToken.Scope.AGENT:
            return Brand.objects.values("id")
        if token.scope == ApiToken.Scope.BRAND:
            return Brand.objects.filter(id=token.brand_id).values("id")
        return Brand.objects.none().values("id")
    if user.is_staff or user.is_agent:
        return Brand.objects.values("id")
    return Brand.objects.filter(brand_memberships__user=user).values("id")


def location_ids_with_role(user, roles: Iterable[str]) -> QuerySet:
    """Locations where the user holds one of `roles` (owner/manager/viewer)."""
    from .models import Location, Membership

    if not user.is_authenticated:
        return Location.objects.none().values("id")
    token = _token(user)
    if token is not None and token.scope != "location":
        return Location.objects.none().values("id")
    roles = tuple(roles)
    if token is not None:
        roles = tuple(r for r in roles if r == "owner")
    return Membership.objects.filter(user=user, role__in=roles).values("location_id")


def role_for(user, location) -> str | None:
    """The user's role on one Location: owner, manager, viewer, brand, agent, staff or None."""
    from .models import Membership

    if not user.is_authenticated:
        return None
    token = _token(user)
    if token is not None:
        if token.scope == "agent":
            return "agent"
        if token.scope == "brand":
            return "integration" if token.brand_id == location.brand_id else None
    location_id = getattr(location, "pk", location)
    cache = user.__dict__.setdefault("_role_cache", {})
    if location_id not in cache:
        role = Membership.objects.filter(user=user, location_id=location_id).values_list("role", flat=True).first()
        if token is not None and role != "owner":
            role = None
        if role is None and token is None:
            if user.is_staff:
                role = "staff"
            elif user.is_agent:
                role = "agent"
            elif user.brand_memberships.filter(brand__locations=location_id).exists():
                role = "brand"
        cache[location_id] = role
    return cache[location_id]


def require_role(user, location, roles: Iterable[str], action: str = "do this") -> str:
    """Raises PermissionDenied (403) when the user's role on `location` is not in `roles`."""
    role = role_for(user, location)
    if role not in tuple(roles):
        raise PermissionDenied(f"Your role ({role or 'none'}) may not {action}.")
    return role


def get_visible_or_404(request, queryset: QuerySet, **lookup):
    """Fetch one tenant row through `visible_to`; follow it to its Location in the switcher."""
    obj = get_object_or_404(queryset.visible_to(request.user), **lookup)
    location_id = getattr(obj, "location_id", None)
    current = current_location_id(request)
    if location_id and current and current != location_id and hasattr(request, "session"):
        request.session[SESSION_KEY] = location_id  # a link to another of my locations switches to it
    return obj


@cache
def _location_by_id() -> tuple[str, list]:
    from .models import Location

    fields = Location._meta.concrete_fields
    columns = ", ".join(f'"{field.column}"' for field in fields)
    return f"SELECT {columns} FROM {Location._meta.db_table} WHERE id = %s", fields


def visible_location_or_404(user, location_id: int):
    """`get_object_or_404(Location.objects.visible_to(user), pk=location_id)`. For those who see
    every Location (agents, staff, agent tokens: the slots API's callers) the row is read by SQL
    written once: compiling the ORM query cost twice running it (issue #17). Everyone else goes
    through `visible_to` itself."""
    from .models import Location

    if not sees_every_location(user):
        return get_object_or_404(Location.objects.visible_to(user), pk=location_id)
    sql, fields = _location_by_id()
    with connection.cursor() as cursor:
        cursor.execute(sql, [location_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No Location matches the given query.")  # get_object_or_404's words
    return instance_from_row(Location, fields, row)


def current_location_id(request) -> int | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def switcher_locations(request) -> list:
    """The Locations of the header switcher (id, name, zone, plan), one query per request, shared with
    `scope_to_current` so narrowing to them costs nothing more on a full page."""
    from .models import Location

    if not hasattr(request, "_switcher_locations"):
        user = request.user
        if user.is_authenticated and _token(user) is None and not sees_brand_only_rows(user):
            request._switcher_locations = _member_locations(user)
            return request._switcher_locations
        locations = Location.objects.visible_to(user).only(*_SWITCHER_FIELDS).order_by("name")
        if sees_all_locations(user):  # only the header reads theirs: what it shows, not 1,000
            locations = locations[:SWITCHER_SIZE]
        request._switcher_locations = list(locations)
    return request._switcher_locations


_SWITCHER_FIELDS = ("id", "name", "time_zone", "plan")


def _member_locations(user) -> list:
    """A plain member's Locations (their memberships: `visible_location_ids` of such a user), as
    `.only(*_SWITCHER_FIELDS)` builds them. Written in SQL: every portal page reads them, and
    compiling the ORM query cost more than running it (issue #17)."""
    from django.db import connection

    from .models import Location, Membership

    fields = [f.attname for f in Location._meta.concrete_fields if f.attname in _SWITCHER_FIELDS]  # from_db's order
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(fields)} FROM {Location._meta.db_table} WHERE id IN"
            f" (SELECT location_id FROM {Membership._meta.db_table} WHERE user_id = %s) ORDER BY name, id",
            [user.pk],
        )
        return [Location.from_db("default", fields, row) for row in cursor.fetchall()]


def member_location_ids(request) -> list[int] | None:
    """A plain member's Location ids (no brand access, not staff or agent, not a token), or None.

    Scoping by these literal ids instead of the membership subquery lets PostgreSQL read one
    Location's rows in index order (ORDER BY … LIMIT stops after a page): see bench/README.md.
    """
    user = request.user
    if not user.is_authenticated or user.is_staff or _token(user) is not None or sees_brand_only_rows(user):
        return None
    return [location.pk for location in switcher_locations(request)]


def current_locations(request) -> QuerySet:
    """The Locations the header switcher selects: one, or all the user may see."""
    from .models import Location

    current = current_location_id(request)
    if current:
        return Location.objects.visible_to(request.user).filter(id=current)
    ids = member_location_ids(request)
    if ids is not None:
        return Location.objects.filter(id__in=ids)
    return Location.objects.visible_to(request.user)


def scope_to_current(queryset: QuerySet, request) -> QuerySet:
    """A tenant queryset limited to what the user sees and to the switcher's choice."""
    scoped = queryset.visible_to(request.user)
    current = current_location_id(request)
    if current:
        return scoped.filter(location_id=current)
    ids = member_location_ids(request)
    if ids is None:
        return scoped
    return scoped.filter(location_id=ids[0]) if len(ids) == 1 else scoped.filter(location_id__in=ids)


def current_location(request):
    """The switcher's Location object (None for "All my locations"), cached on the request."""
    from .models import Location

    if not hasattr(request, "_current_location"):
        location_id = current_location_id(request)
        location = None
        if location_id and request.user.is_authenticated:
            location = Location.objects.visible_to(request.user).filter(id=location_id).first()
            if location is None:  # membership removed since: fall back to all
                request.session.pop(SESSION_KEY, None)
        request._current_location = location
    return request._current_location


def newest_per_location(queryset: QuerySet, request, *, limit: int, order_by=("-created_at", "-id")) -> QuerySet:
    """`scope_to_current(queryset)` for a newest-first page of at most `limit` rows, written so
    PostgreSQL reads each Location's rows in index order even on "All my locations".

    With one Location in scope the scoped queryset is returned as is (`location_id = <id>`
    already gives an index-ordered plan); so it is for agents and staff, who see every Location
    (the model's global `(created_at, id)` index gives the order). With several, it adds `pk IN (…)` over each visible
    Location's own top `limit` (`unnest(ARRAY(SELECT id … WHERE location_id = l.id ORDER BY …
    LIMIT n))`, one index scan per Location) plus, for users who see brand-only rows, the same
    per brand over the rows with no Location. The global top `limit` is always among those, so
    `.order_by(*order_by)[:limit]` on the result returns exactly the rows of the plain query —
    cursor pages included, as long as the cursor is filtered into `queryset` first. Scoping
    stays on the outer query (visible_to) as the safety net. No extra query: the Locations are
    the switcher's (literal ids for a plain member) or the visible-Locations subquery.
    See bench/README.md § 6.
    """
    from django.db.models import F, IntegerField, OuterRef

    from .models import Brand, Location

    scoped = scope_to_current(queryset, request)
    if current_location_id(request) or sees_all_locations(request.user):
        # Agents and staff see every Location: the global (created_at, id) index gives the
        # newest rows in order, where a top-N per Location would read 1,000 index ranges.
        return scoped
    ids = member_location_ids(request)
    if ids is not None and len(ids) <= 1:
        return scoped
    base = queryset.model._default_manager.all()
    base.query = queryset.query.chain()  # the caller's filters (status, dates, cursor…), unscoped

    def unnest(arm):
        return Func(
            ArraySubquery(arm.order_by(*order_by).values("pk")[:limit]), function="unnest", output_field=IntegerField()
        )

    locations = Location.objects.filter(id__in=ids) if ids is not None else current_locations(request).order_by()
    candidates = locations.annotate(row_id=unnest(base.filter(location_id=OuterRef("id")))).values("row_id")
    if ids is None and _has_brand_only_rows(queryset.model) and sees_brand_only_rows(request.user):
        brands = Brand.objects.filter(id__in=visible_brand_ids(request.user))
        brand_only = brands.annotate(row_id=unnest(base.filter(location__isnull=True, brand_id=OuterRef("id")))).values(
            "row_id"
        )
        candidates = candidates.union(brand_only, all=True)
    # `pk = ANY(ARRAY(…))`, not `pk IN (…)`: the array is computed once (an InitPlan) and drives
    # a primary-key index scan; with IN the planner may join the Locations' rows first instead.
    return scoped.filter(_PkInArray(F("pk"), ArraySubquery(candidates)))


def _has_brand_only_rows(model) -> bool:
    """Rows with a brand and no Location (leads no area took) exist for this model."""
    fields = {field.name: field for field in model._meta.get_fields()}
    return "brand" in fields and fields["location"].null


class _PkInArray(Func):
    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()
