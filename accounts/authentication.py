import pghistory
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken, hash_token_key


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
        token = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token_key(key)).first()
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


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}
