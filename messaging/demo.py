"""Demo data of messaging for `manage.py seed_demo`: office messages of every category (urgent
and not, read and unread), their deliveries (a few failed), SMS threads on a few leads."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from leads.models import Lead
from notifications.models import Notification

from .models import MessageRead, OfficeMessage, SmsMessage

MESSAGES = [
    # (location key, caller, number, category, urgent, hours ago, read by owner, body)
    (
        "brooklyn",
        "Grace Holloway",
        "+13475550111",
        "existing_customer",
        True,
        1,
        False,
        "Her mother's caregiver has not arrived for the 9 am visit. Please call back right away.",
    ),
    (
        "brooklyn",
        "Tom Becker",
        "+13475550112",
        "lead",
        False,
        3,
        False,
        "Asked about companion care for his father, prefers a call after 4 pm.",
    ),
    (
        "brooklyn",
        "Maria Lopez (caregiver)",
        "+13475550113",
        "employee",
        True,
        5,
        True,
        "Called in sick for tomorrow's 8 am shift with Mr. Adams.",
    ),
    (
        "brooklyn",
        "Dr. Patel's office",
        "+17185550114",
        "other",
        False,
        26,
        True,
        "Wants to confirm the fax number for care plan updates.",
    ),
    (
        "brooklyn",
        "Sam Ortiz",
        "+13475550115",
        "existing_customer",
        False,
        50,
        False,
        "Would like to move next week's visits from Tuesday to Wednesday.",
    ),
    ("brooklyn", "Acme Staffing", "+12125550116", "other", False, 72, True, "Sales call about temporary staffing."),
    (
        "denver",
        "Linda Park",
        "+17205550211",
        "existing_customer",
        True,
        2,
        False,
        "Her husband fell this morning; the caregiver is with him. Asks the office to call.",
    ),
    (
        "denver",
        "Jorge Ruiz (caregiver)",
        "+17205550212",
        "employee",
        False,
        30,
        True,
        "Asks for his schedule for next week.",
    ),
    ("denver", "Betty Crane", "+13035550213", "lead", False, 8, False, "Interested in live-in care, budget questions."),
    ("phoenix", "Ann Murphy", "+16025550311", "lead", False, 4, False, "Wants an assessment for her aunt."),
    (
        "phoenix",
        "Carl Weiss",
        "+16025550312",
        "existing_customer",
        True,
        6,
        False,
        "Invoice question, needs an answer before Friday.",
    ),
    ("phoenix", "Nina Shah (caregiver)", "+16025550313", "employee", False, 40, True, "Running 20 minutes late."),
]


def _business_time(location, moment: datetime) -> datetime:
    """`moment` moved back into the Location's local office hours (8:00–18:59), so a message about
    "the 9 am visit" is not shown as taken at 1:33 AM whatever hour the demo is seeded."""
    local = moment.astimezone(location.zone)
    if local.hour >= 19:
        return datetime.combine(local.date(), time(18, local.minute), tzinfo=location.zone)
    if local.hour < 8:
        return datetime.combine(local.date() - timedelta(days=1), time(17, local.minute), tzinfo=location.zone)
    return local


def seed(demo) -> None:
    if OfficeMessage.objects.filter(location__in=demo.locations).exists():
        return
    now = timezone.now()
    agent = demo.users.get("agent")
    owner = demo.users.get("owner")
    solo = demo.users.get("solo")
    locations = {"brooklyn": demo.brooklyn, "denver": demo.denver, "phoenix": demo.phoenix}
    messages = OfficeMessage.objects.bulk_create(
        OfficeMessage(
            location=locations[key],
            caller_name=caller,
            callback_number=number,
            category=category,
            urgent=urgent,
            body=body,
            taken_by=agent,
            created_at=_business_time(locations[key], now - timedelta(hours=hours)),
        )
        for key, caller, number, category, urgent, hours, _, body in MESSAGES
    )
    reads = []
    for message, spec in zip(messages, MESSAGES, strict=True):
        if spec[6]:
            reader = solo if spec[0] == "phoenix" else owner
            if reader:
                reads.append(MessageRead(user=reader, message=message))
    MessageRead.objects.bulk_create(reads, ignore_conflicts=True)

    content_type = ContentType.objects.get_for_model(OfficeMessage)
    rows = []
    failed_sms = 0
    for message in messages:
        location = message.location
        base = dict(
            location=location,
            kind="office_message",
            subject_type=content_type,
            subject_id=message.pk,
            link=message.get_absolute_url(),
            created_at=message.created_at,
            sent_at=message.created_at + timedelta(seconds=5),
            attempts=1,
        )
        for address in location.notification_emails:
            rows.append(
                Notification(
                    channel="email",
                    recipient=address,
                    title=f"Message from {message.caller_name} for {location.name}",
                    body=message.body,
                    status="sent",
                    idempotency_key=f"demo:office_message:{message.pk}:email:{address}",
                    **base,
                )
            )
        if location.sms_distribution_enabled:
            for number in location.sms_distribution_list:
                status, error = "delivered", ""
                if message.urgent and failed_sms < 2:
                    failed_sms += 1
                    status, error = (
                        ("failed", "Twilio 400 error 21610: the recipient has opted out (STOP)")
                        if (failed_sms == 1)
                        else ("undelivered", "Twilio error 30003")
                    )
                rows.append(
                    Notification(
                        channel="sms",
                        recipient=number,
                        sender="+18885550199",
                        body=f"ProNexis: message from {message.caller_name} for {location.name}.",
                        status=status,
                        last_error=error,
                        provider_id=f"SMdemo{message.pk:08d}{number[-4:]}",
                        idempotency_key=f"demo:office_message:{message.pk}:sms:{number}",
                        **base,
                    )
                )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _seed_threads(demo, now)


def _seed_threads(demo, now) -> None:
    number = demo.brooklyn.phone_numbers.filter(sends_sms=True).values_list("number", flat=True).first()
    if not number:
        return
    leads = list(Lead.objects.filter(location=demo.brooklyn).exclude(phone="").order_by("created_at")[:3])
    texts = []
    for index, lead in enumerate(leads):
        start = _business_time(demo.brooklyn, now - timedelta(hours=6 - index))
        name = lead.first_name or "there"
        thread = [
            (
                "outbound",
                f"Hi {name}, this is {demo.brooklyn.name}. We just tried to call about your request. "
                "Is texting a better way to reach you? Reply STOP to opt out.",
            ),
            ("inbound", "Yes, texting is easier during work hours."),
            ("outbound", "Great! Would Thursday at 2 pm work for an in-home assessment?"),
        ]
        if index == 1:
            thread.append(("inbound", "Can I pay the deposit with my card? [card number removed]"))
            thread.append(("outbound", "We never take card details by text; the office will arrange payment."))
        for position, (direction, body) in enumerate(thread):
            outbound = direction == "outbound"
            texts.append(
                SmsMessage(
                    location=demo.brooklyn,
                    lead=lead,
                    direction=direction,
                    body=body,
                    from_number=number if outbound else lead.phone,
                    to_number=lead.phone if outbound else number,
                    message_sid=None if outbound else f"SMdemoin{lead.pk:08d}{position}",
                    redacted="[card number removed]" in body,
                    created_at=start + timedelta(minutes=7 * position),
                )
            )
    SmsMessage.objects.bulk_create(texts, ignore_conflicts=True)
