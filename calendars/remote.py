"""The network side of calendar sources: an ICS address over HTTP(S) with a conditional GET, and
a CalDAV calendar through the `caldav` client. Every failure is a `SourceError` whose message
is meant for the owner (shown when they save the source and in the Action Center)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import caldav
import requests
from caldav.lib import error as caldav_error
from django.conf import settings

USER_AGENT = "ProNexis-Portal calendar sync"


class SourceError(Exception):
    """The calendar could not be read or written; the message says why, for the owner."""


@dataclass
class IcsResponse:
    body: bytes | None  # None: not modified since the last fetch
    etag: str = ""
    last_modified: str = ""


def http_url(url: str) -> str:
    """webcal:// is HTTPS by convention (Apple, Google and Outlook publish it that way)."""
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


MAX_REDIRECTS = 3


def check_public(url: str) -> None:
    """Refuse an address whose host is not on the public internet (loopback, private, link-local,
    reserved: the portal's own network) unless CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS — an owner's
    calendar address must not become a way to probe the servers around the portal."""
    parts = urlsplit(http_url(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError("Give the calendar's full https:// or webcal:// address.")
    if settings.CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise SourceError(f"No server named “{parts.hostname}” could be found: check the address.")
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise SourceError("This address is not on the public internet: give the calendar's public address.")


def fetch_ics(url: str, *, etag: str = "", last_modified: str = "") -> IcsResponse:
    """GET an ICS address with If-None-Match / If-Modified-Since; a 304 is `body=None`.
    Redirects are followed by hand (at most MAX_REDIRECTS), each target checked like the address."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    target = http_url(url)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_public(target)
            response = requests.get(
                target, headers=headers, timeout=settings.CALENDAR_SOURCE_TIMEOUT, allow_redirects=False
            )
            if not (response.is_redirect and response.headers.get("Location")):
                break
            target = urljoin(target, response.headers["Location"])
        else:
            raise SourceError("The calendar address redirects too many times.")
    except requests.RequestException as exc:
        raise SourceError(f"The calendar address could not be reached ({type(exc).__name__}).")
    if response.status_code == 304:
        return IcsResponse(None, etag, last_modified)
    if response.status_code in (401, 403, 404, 410):
        raise SourceError(
            f"The calendar address answered {response.status_code}: check that it is the secret (private) "
            "address in iCal format and that it was not reset."
        )
    if response.status_code != 200:
        raise SourceError(f"The calendar address answered {response.status_code}.")
    if b"BEGIN:VCALENDAR" not in response.content[:2000]:
        raise SourceError("The address does not serve an iCalendar (.ics) file.")
    return IcsResponse(response.content, response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""))


def _calendar(url: str, username: str, password: str) -> caldav.Calendar:
    check_public(url)
    client = caldav.DAVClient(
        url=url, username=username or None, password=password or None, timeout=settings.CALENDAR_SOURCE_TIMEOUT
    )
    return client.calendar(url=url)


def _caldav_error(exc: Exception) -> SourceError:
    if isinstance(exc, SourceError):
        return exc
    if isinstance(exc, caldav_error.AuthorizationError):
        return SourceError("The CalDAV server refused the user name or app password.")
    if isinstance(exc, caldav_error.NotFoundError):
        return SourceError("The CalDAV server has no calendar at this address.")
    return SourceError(f"The CalDAV calendar could not be reached ({type(exc).__name__}).")


def fetch_caldav(url: str, *, username: str, password: str) -> list[bytes]:
    """The iCalendar text of every event of a CalDAV calendar (one object per event series)."""
    try:
        return [event.data.encode() for event in _calendar(url, username, password).get_events()]
    except Exception as exc:  # the client raises its own errors and its HTTP library's
        raise _caldav_error(exc) from exc


def caldav_put(url: str, *, username: str, password: str, ical: str) -> None:
    """Create or replace the event with this UID (the booking's stable UID)."""
    try:
        _calendar(url, username, password).save_event(ical=ical)
    except Exception as exc:
        raise _caldav_error(exc) from exc


def caldav_delete(url: str, *, username: str, password: str, uid: str) -> None:
    """Remove the event with this UID; one already gone is fine."""
    try:
        _calendar(url, username, password).get_event_by_uid(uid).delete()
    except caldav_error.NotFoundError:
        return
    except Exception as exc:
        raise _caldav_error(exc) from exc
