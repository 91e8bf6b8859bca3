"""Settings of projet_social, read from environment variables.

Development defaults are safe to run on a laptop: SQLite in the project folder and DEBUG on.
In production set DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "projet_social",
    "axes",
    "actions",
    "evaluations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "projet_social.middleware.EntreeIllisible",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "projet_social.middleware.SessionGlissante",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "projet_social.middleware.StylesDeLAdmin",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "projet_social.urls"

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
                "projet_social.context_processors.projet_courant",
            ],
            # French plurals in every template: « 0 action » (Django's pluralize says
            # « 0 actions »).
            "builtins": ["projet_social.templatetags.pluriel_francais"],
        },
    },
]

WSGI_APPLICATION = "projet_social.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time on SQLite: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL plans each query again at each execution, unless it is prepared: the fiche's
    # query (its progress in the review, the carried-forward figure) takes 3.5 ms to plan and
    # 0.5 ms to run. With the values sent apart from the SQL (server-side binding), psycopg
    # prepares a query on its connection from its PREPARER_APRES-th execution on (5; 0: never,
    # as behind a pooler in transaction mode such as PgBouncer's).
    _preparer = int(os.environ.get("PREPARER_APRES", "5"))
    if _preparer:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_preparer
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The accessibility statement (/accessibilite/): whom to tell of a problem, and the date
# of its last review.
ACCESSIBILITE_CONTACT = os.environ.get("ACCESSIBILITE_CONTACT", "")
ACCESSIBILITE_DATE = os.environ.get("ACCESSIBILITE_DATE", "26 novembre 2026")

# PDFs (projet_social/pdf.py): how long a request waits for a document being rendered before
# answering « document en préparation » (a fiche takes under a second; the catalogue and the
# review's dossier seconds to minutes, and a process waiting for them serves nobody: measured
# with benchmarks/load.py, a one-second wait let the log-in burst's p95 reach 437 ms), and
# after how long a rendering is stopped (a 400-fiche catalogue takes two to three minutes).
PDF_ATTENTE_COURTE = 2.0
PDF_ATTENTE_LONGUE = 0.0
PDF_DUREE_MAX = int(os.environ.get("PDF_DUREE_MAX") or 600)

# A cache shared by every server process, in the database (no extra service to run). The
# table is created by a migration. ``documents``: the PDFs already rendered, under the
# SHA-256 of their HTML (projet_social/pdf.py), for a day at most, the 200 latest.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "projet_social_cache",
    },
    "documents": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "projet_social_cache",
        "KEY_PREFIX": "documents",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
    # Parts of pages rendered for everyone alike, kept while the plan has not changed
    # (projet_social/generation.py), shared by the server processes: one rendering per change
    # of the plan, not one per process. Parts of earlier generations expire after 10 minutes.
    "pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "projet_social_cache_pages",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
}
# Every way in (the login page, the admin's, authenticate()) goes through the guard against
# password guessing (projet_social/connexion.py): failed logins allowed per (identifiant,
# address) pair, then per address across identifiants, before logins are refused for a while.
AUTHENTICATION_BACKENDS = ["projet_social.connexion.BackendProtege"]
LOGIN_LIMITE = os.environ.get("LOGIN_LIMITE", "5/15m")
LOGIN_LIMITE_ADRESSE = os.environ.get("LOGIN_LIMITE_ADRESSE", "30/15m")
# Reverse proxies in front of gunicorn whose X-Forwarded-For is trusted (nginx: 1). 0: the
# peer's address is the client's; the header is then ignored, a client cannot forge it.
PROXIES_DE_CONFIANCE = int(os.environ.get("PROXIES_DE_CONFIANCE") or 0)

# Argon2id (projet_social/hachage.py); PBKDF2 hashes of older accounts still verify and are
# upgraded at their next login.
PASSWORD_HASHERS = [
    "projet_social.hachage.Argon2idOWASP",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# The CNIL's recommendation for a password alone: 12 characters at least, not a common one,
# not close to the account's name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Years are numbers too: a thousand separator would print "2 025". Amounts use floatformat:"2g".
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Drop-down lists drawn in Python, the same markup as Django's templates, several times faster.
FORM_RENDERER = "projet_social.rendu_des_formulaires.RenduDesFormulaires"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The admin exports (ExportAdmin) but has no import screens. Formulas are neutralised by the
# resources (ResourceFrancaise.export_field), not by IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The largest workbook the import of a whole plan reads, in bytes (default 10 Mo): a larger
# file is refused before it is opened.
IMPORT_TAILLE_MAX = int(os.environ.get("IMPORT_TAILLE_MAX") or 10 * 1024 * 1024)

# Content Security Policy (django-csp): only this server's own scripts, styles and images;
# no inline script, no style attribute (our templates draw colours and bars in SVG). The admin
# alone keeps style attributes, which Django's own templates use
# (projet_social.middleware.StylesDeLAdmin).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
# A session ends after a working day without a request, and at logout: the session's end is
# pushed back as the user works (projet_social.middleware.SessionGlissante, at most every ten
# minutes, so that requests do not each write the session).
SESSION_COOKIE_AGE = 60 * 60 * 10
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # HTTPS everywhere by default; each switch can be turned off for a plain-HTTP trial
    # (`make serve`). The proxy (deploy/nginx-projet-social.conf) sets X-Forwarded-Proto.
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitoring probes it over plain HTTP on localhost
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Preloading binds the town's whole registrable domain: its IT decides, not this app.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint's progress ("Step 2 - Fetching and parsing CSS") and fontTools' font
        # unpacking are noise; its warnings (a refused resource, a missing glyph) are kept.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
