"""Retried creates make one row (issue #9 item 6; DESIGN.md "Round 2 contracts").

Two doors, one mechanism:

- the API: `@idempotent` on a create's handler honours an `Idempotency-Key` header — the same
  key (per token, or per user for session calls) with the same body replays the first answer
  (status and body, header `Idempotent-Replayed: true`); with another body it answers 409;
- the agent console: `@once_per_form_token` on a form's view honours the one-time token each
  rendered form carries (`{% form_token %}`): a second submit of that form redirects to the
  first submit's result instead of creating a second row.

The key row is inserted in the same transaction as the create and the answer is stored before
commit. A concurrent duplicate blocks on the unique index until the first commits (then it
replays) or gives the key up (then it runs); it waits at most IDEMPOTENCY_WAIT_SECONDS, then
answers 409 "in progress". Only successful answers are kept: an error leaves
no key, so a corrected retry runs. Keys expire after IDEMPOTENCY_KEY_TTL_HOURS (purged by beat).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import IdempotencyKey

from .errors import Refused

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(r"[\x21-\x7e][\x20-\x7e]*")  # printable ASCII, as HTTP headers carry it
FORM_TOKEN_FIELD = "form_token"
FORM_TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")
_CLAIM_ATTEMPTS = 3
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": f"^{KEY_PATTERN.pattern}$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (e.g. a UUID) per create, sent again on every retry of that create. The "
        "same key with the same body answers the first answer again (same status and body, "
        "header `Idempotent-Replayed: true`) and creates nothing; the same key with another body "
        "answers 409. Keys belong to the token (or the user) that sent them and are kept for "
        "24 hours. A request that failed keeps no key: retry it with the same key once corrected."
    ),
)


# The answers a retried create adds to its own (spread into the view's `responses`).
RETRY_RESPONSES = {
    400: OpenApiResponse(description=f"Invalid input: a message per field (or a malformed {HEADER})."),
    409: OpenApiResponse(
        description=f"A rule refuses the create, or this {HEADER} was already used with another body; see `detail`."
    ),
}


def ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def _fingerprint(method: str, path: str, body) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


IN_PROGRESS = f"A request with this {HEADER} is in progress; retry it in a moment."


def _insert(*, caller: str, key: str, fingerprint: str) -> IdempotencyKey:
    """Insert under a savepoint, waiting at most IDEMPOTENCY_WAIT_SECONDS for a concurrent holder
    of the key: a hung first request must not hang its retries too."""
    wait_ms = max(1, int(settings.IDEMPOTENCY_WAIT_SECONDS * 1000))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = %s", [f"{wait_ms}ms"])  # undone if the savepoint rolls back
        row = IdempotencyKey.objects.create(caller=caller, key=key, request_fingerprint=fingerprint)
        cursor.execute("SET LOCAL lock_timeout = DEFAULT")  # the create itself waits as before
    return row


def _claim(*, caller: str, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """Insert the key or return the committed row holding it: (row, created).

    Call inside the create's transaction. A concurrent holder makes the insert wait for its
    commit (IntegrityError: its row is there with its answer) or its rollback (insert succeeds);
    a holder that takes too long is answered 409 (Refused), like a retry that cannot proceed.
    """
    for _attempt in range(_CLAIM_ATTEMPTS):
        try:
            return _insert(caller=caller, key=key, fingerprint=fingerprint), True
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(caller=caller, key=key).first()
            if existing is None:  # its holder gave it up in between: claim it again
                continue
            if existing.created_at >= timezone.now() - ttl():
                return existing, False
            existing.delete()  # expired but not purged yet: the key is free again
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            break
    raise Refused(IN_PROGRESS)


def _remember(row: IdempotencyKey, status_code: int, body) -> None:
    row.status_code = status_code
    row.response_body = json.dumps(body, cls=DjangoJSONEncoder)
    row.save(update_fields=["status_code", "response_body"])


def _stored(row: IdempotencyKey, fingerprint: str):
    """The first answer's body, or 409 when the key was used for another request."""
    if row.request_fingerprint != fingerprint:
        raise Refused(
            f"This {HEADER} was already used with another request body (or on another endpoint): "
            "send a new key for a new request."
        )
    if row.status_code is None:  # cannot be seen committed; kept as a guard
        raise Refused(IN_PROGRESS)
    return json.loads(row.response_body)


def purge_expired(*, now=None) -> int:
    """Delete keys past their lifetime (beat: accounts.tasks.purge_idempotency_keys)."""
    cutoff = (now or timezone.now()) - ttl()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- the API's Idempotency-Key header --------------------------------------------------------
def _api_caller(user) -> str:
    token = getattr(user, "api_token", None)
    return f"token:{token.pk}" if token is not None else f"user:{user.pk}"


def _request_body(request: Request):
    data = request.data
    return {name: values for name, values in data.lists()} if hasattr(data, "lists") else data


def _checked_key(value: str) -> str:
    if len(value) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(value):
        raise exceptions.ValidationError(
            {HEADER: [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."]}
        )
    return value


def idempotent(handler):
    """Decorate an API view's create handler (a method of an APIView): see the module docstring.
    Adds the header to the operation's OpenAPI parameters."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs):
        value = request.headers.get(HEADER)
        if value is None:
            return handler(view, request, *args, **kwargs)
        key = _checked_key(value)
        fingerprint = _fingerprint(request.method, request.path, _request_body(request))
        with transaction.atomic():
            row, created = _claim(caller=_api_caller(request.user), key=key, fingerprint=fingerprint)
            if not created:
                body = _stored(row, fingerprint)
                return Response(body, status=row.status_code, headers={REPLAYED_HEADER: "true"})
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                _remember(row, response.status_code, response.data)
            else:
                row.delete()
        return response

    return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(wrapper)


# --- the agent console's one-time form tokens ------------------------------------------------
def new_form_token() -> str:
    return uuid.uuid4().hex


def _message_texts(request) -> list[str]:
    storage = messages.get_messages(request)
    texts = [str(message) for message in storage]
    storage.used = False  # reading them here does not show them: they are still for the next page
    return texts


def once_per_form_token(view):
    """Decorate a console form's POST view: the first submit of a rendered form runs; a second
    submit of the same form (double click, reload, Back) redirects to the first one's result.
    A POST without a token runs as before."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FORM_TOKEN_FIELD, "") if request.method == "POST" else ""
        if not FORM_TOKEN_PATTERN.fullmatch(token):
            return view(request, *args, **kwargs)
        fields = {k: v for k, v in request.POST.lists() if k not in (FORM_TOKEN_FIELD, "csrfmiddlewaretoken")}
        fingerprint = _fingerprint("POST", request.path, fields)
        with transaction.atomic():
            try:
                row, created = _claim(caller=f"form:{request.user.pk}", key=token, fingerprint=fingerprint)
            except Refused as error:
                return HttpResponse(str(error), status=409)
            if not created:
                return _form_replay(request, row, fingerprint)
            shown_before = len(_message_texts(request))
            response = view(request, *args, **kwargs)
            if response.status_code in (301, 302, 303) and response.has_header("Location"):
                texts = _message_texts(request)[shown_before:]
                _remember(row, response.status_code, {"location": response["Location"], "messages": texts})
            else:
                row.delete()
        return response

    return wrapper


def _form_replay(request, row: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if row.status_code is None:  # cannot be seen committed; kept as a guard
        return HttpResponse("This form is being sent; reload the page in a moment.", status=409)
    first = json.loads(row.response_body)
    if row.request_fingerprint == fingerprint:
        done = " ".join(first["messages"])
        messages.info(request, f"This form was already sent, once: {done}".strip())
    else:
        messages.warning(
            request, "This form had already been sent; nothing new was created. Open the form again to send another."
        )
    return redirect(first["location"])
