"""Django settings: every value comes from :mod:`civicdesk.platform.config` (the environment).

Do not read ``os.environ`` here; add a typed reader to ``config.py`` so the
value gets a default, validation and a named error.
"""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONE, SELF

from civicdesk.platform.config import from_environment

CONFIG = from_environment()

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/civicdesk: the translations live at its root
DATA_DIR = CONFIG.data_dir

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(CONFIG.csrf_trusted_origins)

INSTALLED_APPS = [
    "civicdesk.channels.desk.admin_app.AdminConfig",  # django.contrib.admin, its sign-in throttled like the desk's
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's Swagger files itself (no CDN)
    "django_otp",  # staff two-factor sign-in: time-based codes and single-use recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "civicdesk.domain.staff",
    "civicdesk.domain.city",
    "civicdesk.domain.people",
    "civicdesk.domain.cases",
    "civicdesk.domain.outbox",
    "civicdesk.domain.inbox",
    "civicdesk.platform.worker",
    "civicdesk.channels.ui",  # the UI kit the desk and the portal share: base templates, tags, widgets, assets
    "civicdesk.channels.desk",
    "civicdesk.platform.throttle",
    "civicdesk.channels.portal",
    "civicdesk.channels.open311",
    "civicdesk.channels.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "civicdesk.platform.views.MethodNotAllowedPages",  # a bare 405 becomes a page (or the API's error) in the language
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicdesk.channels.desk.two_factor.TwoFactorMiddleware",
    "civicdesk.platform.idle_sessions.IdleStaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "civicdesk.platform.urls"
WSGI_APPLICATION = "civicdesk.platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "staff.User"
AUTHENTICATION_BACKENDS = ["civicdesk.domain.staff.backends.StaffBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "desk:login"

# The server's zone; each jurisdiction computes its clocks in its own zone.
TIME_ZONE = CONFIG.time_zone
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
# Embedded set-up serves static files straight from the apps (no collectstatic);
# production serves the hashed, compressed copies `civicdesk serve` collects.
STATIC_ROOT = DATA_DIR / "static" if CONFIG.production else None
WHITENOISE_USE_FINDERS = not CONFIG.production
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if CONFIG.production
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_HEARTBEAT_MAX_AGE = CONFIG.worker_heartbeat_max_age

DEFAULT_FROM_EMAIL = CONFIG.email.default_from
SERVER_EMAIL = CONFIG.email.default_from
if CONFIG.email.host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email.host
    EMAIL_PORT = CONFIG.email.port
    EMAIL_HOST_USER = CONFIG.email.user
    EMAIL_HOST_PASSWORD = CONFIG.email.password
    EMAIL_USE_TLS = CONFIG.email.use_tls
    EMAIL_USE_SSL = CONFIG.email.use_ssl
    EMAIL_TIMEOUT = 30
else:
    # No mail server configured: keep every message as an .eml file an operator can open.
    EMAIL_BACKEND = "civicdesk.platform.mail_files.EmlFileBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# The journals' checkpoints, outside the database (domain/cases/journal_checks.py, docs/operator.md "Security").
JOURNAL_CHECKPOINT_FILE = CONFIG.journal_checkpoint_file
JOURNAL_CHECKPOINT_KEY = CONFIG.journal_checkpoint_key
# Staff two-factor sign-in (TOTP, with recovery codes): required in production for roles that see contacts.
CIVICDESK_TWO_FACTOR_REQUIRED = CONFIG.staff_two_factor_required
OTP_TOTP_ISSUER = "civicdesk"
SESSION_COOKIE_HTTPONLY = True
# A sign-in lasts a working day at most; idle_sessions.py ends it sooner after STAFF_IDLE_MINUTES idle.
SESSION_COOKIE_AGE = CONFIG.staff_session_hours * 3600
# Every page: scripts, styles and images from this site only, no inline code, no framing, forms post here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Rate limits (portal, Open311, staff sign-in) count the client behind this many proxies (TRUSTED_PROXIES).
CIVICDESK_TRUSTED_PROXIES = OPEN311_TRUSTED_PROXIES = CONFIG.trusted_proxies

if CONFIG.behind_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
if CONFIG.production:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},  # it logs every empty poll at INFO
        "mail.log": {"level": "WARNING"},  # aiosmtpd logs every SMTP command at INFO; civicdesk.mail logs each message
    },
}
