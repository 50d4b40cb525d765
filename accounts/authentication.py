from functools import cache

import pghistory
from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from pronexis.db import instance_from_row

from .models import ApiToken, User, hash_token_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`: hashed, revocable keys whose scope limits what is visible."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: use 'Authorization: Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = _active_token(hash_token_key(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            # At most one write a minute per token, so busy integrations do not hammer the row.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        user.api_token = token
        # The audit trail names the token (and its user, channel "api") on this request's writes.
        pghistory.context(token=token.pk, token_name=token.name, user=token.user_id, channel="api")
        return user, token

    def authenticate_header(self, request):
        return self.keyword


@cache
def _token_query() -> tuple[str, list, list]:
    """`ApiToken.objects.active().select_related("user").filter(key_hash=…)`, written out once:
    building that query cost more than running it, on every API request (issue #17)."""
    token_fields, user_fields = ApiToken._meta.concrete_fields, User._meta.concrete_fields
    columns = [f't."{f.column}"' for f in token_fields] + [f'u."{f.column}"' for f in user_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {ApiToken._meta.db_table} t"
        f" JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.key_hash = %s AND t.revoked_at IS NULL"
    )
    return sql, token_fields, user_fields


def _active_token(key_hash: str) -> ApiToken | None:
    """The unrevoked token of this hash with its user (one query), or None."""
    sql, token_fields, user_fields = _token_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token = instance_from_row(ApiToken, token_fields, row[: len(token_fields)])
    ApiToken.user.field.set_cached_value(token, instance_from_row(User, user_fields, row[len(token_fields) :]))
    return token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}
