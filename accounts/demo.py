"""Demo tenants for `manage.py seed_demo`: one brand, three Locations (one per plan), users."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from .models import (
    AGENTS_GROUP,
    ApiToken,
    Area,
    AreaPostalCode,
    Brand,
    BrandMembership,
    Location,
    LocationPhoneNumber,
    Membership,
    Service,
    User,
)

PASSWORD = "demo"


@dataclass
class Demo:
    """What the foundation seeded, handed to each app's `demo.seed(demo)`."""

    brand: Brand
    brooklyn: Location  # business_hours, America/New_York
    denver: Location  # twenty_four_seven, America/Denver
    phoenix: Location  # answering_only, America/Phoenix (no DST)
    users: dict[str, User] = field(default_factory=dict)
    agent_key: str | None = None

    @property
    def locations(self) -> list[Location]:
        return [self.brooklyn, self.denver, self.phoenix]

    @property
    def booking_locations(self) -> list[Location]:
        return [loc for loc in self.locations if loc.takes_bookings]


CATALOG = [
    ("In-home care assessment", False),
    ("Companion care", False),
    ("Personal care", False),
    ("Dementia care", True),
    ("Respite care", True),
    ("Live-in care", False),
]

LOCATIONS = [
    dict(
        key="brooklyn",
        name="Summit Home Care — Brooklyn",
        address="210 Court Street",
        city="Brooklyn",
        region="NY",
        postal_code="11201",
        time_zone="America/New_York",
        plan=Location.Plan.BUSINESS_HOURS,
        billing=Location.Billing.PER_APPOINTMENT,
        back_office="+17185550101",
        after_hours="+17185550102",
        mobile="+19175550103",
        notification_emails=["office.brooklyn@summit.example"],
        sms_distribution_enabled=True,
        sms_distribution_list=["+19175550103", "+19175550104"],
        lead_sms_enabled=True,
        meeting_types=["office", "client_home", "phone"],
        areas={"Brooklyn Heights": ["11201", "11202"], "Park Slope": ["11215", "11217"]},
        numbers=[("+17185550190", "main", True), ("+17185550191", "tracking", False)],
        services=["In-home care assessment", "Companion care", "Personal care"],
    ),
    dict(
        key="denver",
        name="Summit Home Care — Denver",
        address="1600 Glenarm Place",
        city="Denver",
        region="CO",
        postal_code="80202",
        time_zone="America/Denver",
        plan=Location.Plan.TWENTY_FOUR_SEVEN,
        billing=Location.Billing.FLAT,
        back_office="+13035550201",
        after_hours="+13035550202",
        mobile="+17205550203",
        notification_emails=["denver@summit.example"],
        sms_distribution_enabled=False,
        sms_distribution_list=[],
        lead_sms_enabled=False,
        meeting_types=["client_home", "video"],
        areas={"Downtown Denver": ["80202", "80203"], "Aurora": ["80010", "80011"]},
        numbers=[("+13035550290", "main", True)],
        services=["In-home care assessment", "Companion care", "Live-in care"],
    ),
    dict(
        key="phoenix",
        name="Summit Home Care — Phoenix",
        address="2 N Central Ave",
        city="Phoenix",
        region="AZ",
        postal_code="85004",
        time_zone="America/Phoenix",
        plan=Location.Plan.ANSWERING_ONLY,
        billing=Location.Billing.FLAT,
        back_office="+16025550301",
        after_hours="",
        mobile="",
        notification_emails=["phoenix@summit.example"],
        sms_distribution_enabled=True,
        sms_distribution_list=["+16025550304"],
        lead_sms_enabled=False,
        meeting_types=[],
        areas={"Central Phoenix": ["85004", "85003"]},
        numbers=[("+16025550390", "main", False)],
        services=["Companion care"],
    ),
]


def _user(email: str, full_name: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, full_name=full_name, **extra)
    return user


def seed() -> Demo:
    brand, _ = Brand.objects.get_or_create(
        name="Summit Home Care",
        defaults={
            "emergency_definition": (
                "A client is without a caregiver for a scheduled visit today, a caregiver is injured or "
                "a client's safety is at risk. Medical emergencies: tell the caller to hang up and dial 911."
            )
        },
    )
    services = {}
    for name, book_anyway in CATALOG:
        services[name], _ = Service.objects.get_or_create(brand=brand, name=name, defaults={"book_anyway": book_anyway})
    locations = {}
    for spec in LOCATIONS:
        spec = dict(spec)
        key, areas, numbers, offered = spec.pop("key"), spec.pop("areas"), spec.pop("numbers"), spec.pop("services")
        location, created = Location.objects.get_or_create(brand=brand, name=spec.pop("name"), defaults=spec)
        if created:
            location.services_offered.set([services[name] for name in offered])
            for area_name, codes in areas.items():
                area = Area.objects.create(brand=brand, location=location, name=area_name)
                AreaPostalCode.objects.bulk_create(AreaPostalCode(brand=brand, area=area, postal_code=c) for c in codes)
            for number, purpose, sends_sms in numbers:
                LocationPhoneNumber.objects.create(
                    location=location, number=number, purpose=purpose, sends_sms=sends_sms
                )
        locations[key] = location

    users = {
        "owner": _user("owner@demo.test", "Olivia Owens", phone="+19175550110"),
        "manager": _user("manager@demo.test", "Marcus Mendez"),
        "solo": _user("solo@demo.test", "Sam Solo", phone="+16025550310"),
        "viewer": _user("viewer@demo.test", "Val Viewer"),
        "brand": _user("brand@demo.test", "Bria Brandt"),
        "agent": _user("agent@demo.test", "Alex Agent"),
        "admin": _user("admin@demo.test", "Ada Admin", is_staff=True, is_superuser=True),
    }
    memberships = [
        ("owner", "brooklyn", "owner"),
        ("owner", "denver", "owner"),
        ("manager", "brooklyn", "manager"),
        ("solo", "phoenix", "owner"),
        ("viewer", "phoenix", "viewer"),
    ]
    for user_key, location_key, role in memberships:
        Membership.objects.get_or_create(
            user=users[user_key], location=locations[location_key], defaults={"role": role}
        )
    BrandMembership.objects.get_or_create(user=users["brand"], brand=brand)
    users["agent"].groups.add(Group.objects.get_or_create(name=AGENTS_GROUP)[0])

    agent_key = None
    if not ApiToken.objects.filter(user=users["agent"], name="Demo agent token").exists():
        _, agent_key = ApiToken.issue(user=users["agent"], name="Demo agent token", scope=ApiToken.Scope.AGENT)
    return Demo(brand=brand, users=users, agent_key=agent_key, **locations)
