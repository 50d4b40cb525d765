"""Table tests of the pure reply parser (seed 004 "respond by simply responding to the email")."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from conflicts.reply_parser import new_text, parse_reply

NY = ZoneInfo("America/New_York")
# Wednesday 2025-11-19 10:00 in New York; the conflict asked for Friday 2025-11-21 14:00.
NOW = dt.datetime(2025, 11, 19, 10, 0, tzinfo=NY)
REQUESTED = dt.datetime(2025, 11, 21, 14, 0, tzinfo=NY)

QUOTE = (
    "\n\nOn Wed, Nov 19, 2025 at 9:02 AM ProNexis <notifications@pronexis.test> wrote:\n"
    "> Schedule conflict: Maria Lopez asks for Fri Nov 21, 2:00 PM\n"
    "> Approve: https://portal.example/answer/abc/\n> Decline: https://portal.example/answer/def/\n"
)
OUTLOOK = (
    "\n\nFrom: ProNexis <notifications@pronexis.test>\nSent: Wednesday, November 19, 2025 9:02 AM\n"
    "To: office@summit.example\nSubject: Schedule conflict\n\nApprove: https://x\nDecline 3pm tomorrow"
)
SIG = "\n\n--\nOlivia Owens\nSummit Home Care — Brooklyn\n(917) 555-0103 · 210 Court Street at 10"


def at(day, hour, minute=0):
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=NY)


CASES = [
    # (reply body, decision, alternate start or None, meeting type or None)
    ("Approve", "approve", None, None),
    ("approved", "approve", None, None),
    ("Yes", "approve", None, None),
    ("yes!" + QUOTE, "approve", None, None),
    ("OK", "approve", None, None),
    ("Ok, sounds good.\n\nSent from my iPhone" + QUOTE, "approve", None, None),
    ("Sure, go ahead and book it" + SIG, "approve", None, None),
    ("No problem, approved. Thanks!", "approve", None, None),
    ("👍", "approve", None, None),
    ("Yes approved\n\nThanks,\nOlivia\n917-555-0103" + OUTLOOK, "approve", None, None),
    ("Decline", "decline", None, None),
    ("declined.", "decline", None, None),
    ("No", "decline", None, None),
    ("no sorry" + QUOTE, "decline", None, None),
    ("Nope, can't do that one.\n\nSent from my iPhone", "decline", None, None),
    ("Friday 2pm doesn't work for me", "decline", None, None),
    ("Decline please.\n\nBest,\nOlivia" + OUTLOOK, "decline", None, None),
    ("Tuesday 3pm", "alternate", at(25, 15), None),
    ("tuesday at 3 pm works better" + QUOTE, "alternate", at(25, 15), None),
    ("Can we do Tuesday 3pm instead?\nSent from my iPhone", "alternate", at(25, 15), None),
    ("Wednesday 9am", "alternate", at(26, 9), None),  # today is Wednesday, 9am has passed → next week
    ("Wednesday 4pm", "alternate", at(19, 16), None),  # later today is still the next future Wednesday
    ("tomorrow at 10:30", "alternate", at(20, 10, 30), None),
    ("Tomorrow 10:30am please", "alternate", at(20, 10, 30), None),
    ("11/28 2:15 pm", "alternate", at(28, 14, 15), None),
    ("How about 11/28 at 2:15pm?" + SIG, "alternate", at(28, 14, 15), None),
    ("Nov 24 at 11am", "alternate", at(24, 11), None),
    ("I can't do Friday, how about Monday at noon?", "alternate", at(24, 12), None),
    ("No, but 4pm the same day works", "alternate", at(21, 16), None),
    ("Can we make it 3:30 PM?", "alternate", at(21, 15, 30), None),
    ("Phone instead", "alternate", None, "phone"),
    ("ok but by phone instead please" + QUOTE, "alternate", None, "phone"),
    ("Yes, at my office", "alternate", None, "office"),
    ("Let's do a Zoom call", "alternate", None, "video"),
    ("Thursday 9am by phone", "alternate", at(20, 9), "phone"),
    ("Monday 10 a.m. at my office\n\nSent from my iPad", "alternate", at(24, 10), "office"),
    ("Yes, at their home", "approve", None, None),  # repeats the requested meeting type: no change
    ("Who is this client?", None, None, None),
    ("Let me check and get back to you" + SIG, None, None, None),
    ("", None, None, None),
    ("Thanks" + QUOTE, None, None, None),
    ("Yes no maybe", None, None, None),
    ("11/10 3pm", "alternate", dt.datetime(2026, 11, 10, 15, 0, tzinfo=NY), None),  # passed this year → next year
]


@pytest.mark.parametrize(("body", "decision", "start", "meeting_type"), CASES)
def test_reply_table(body, decision, start, meeting_type):
    parsed = parse_reply(body, now=NOW, zone=NY, requested_start=REQUESTED, requested_meeting_type="client_home")
    if decision is None:
        assert parsed is None, parsed
        return
    assert parsed is not None, body
    assert (parsed.decision, parsed.alternate_start, parsed.meeting_type) == (decision, start, meeting_type)


def test_at_least_thirty_real_looking_replies():
    assert len(CASES) >= 30


def test_new_text_strips_quotes_signatures_and_device_footers():
    assert new_text("Approve\n\nSent from my iPhone" + QUOTE) == "Approve"
    assert new_text("Decline\n\nThanks,\nOlivia" + OUTLOOK) == "Decline"
    assert new_text("Tuesday 3pm" + SIG) == "Tuesday 3pm"


def test_alternate_start_is_in_the_location_zone_across_dst():
    # In March, the week after the DST change: the local wall time is kept.
    now = dt.datetime(2026, 3, 5, 10, 0, tzinfo=NY)
    parsed = parse_reply("Monday 3pm", now=now, zone=NY)
    assert parsed.alternate_start == dt.datetime(2026, 3, 9, 15, 0, tzinfo=NY)
    assert parsed.alternate_start.utcoffset() == dt.timedelta(hours=-4)


def test_a_time_that_has_passed_is_not_understood():
    assert parse_reply("today at 9am", now=NOW, zone=NY) is None
