"""EconSim settings: every value from the environment, with embedded defaults.

Unset DATABASE_URL -> SQLite file, unset REDIS_URL -> file cache, unset CELERY_BROKER_URL ->
a broker in files; all three under DATA_DIR, so `make run` starts a real worker and beat with no
server to install. A malformed variable stops start-up with a message naming it and the rule
it breaks (econsim_project/env.py reads and checks every variable).

Grouped by subject; a group reads only groups above it. Celery comes late because its beat
schedule and broker options use the apps' settings.
"""

from __future__ import annotations

from pathlib import Path

from econsim_project.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_error,
    env_int,
    env_list,
    env_rate,
    env_str,
    env_url,
    sqlite_database,
)
from econsim_project.timeouts import llm_worst_case_seconds, web_timeout_default
from scripts_lib.sandbox.jobs import MAX_CPU_MS, MAX_SOURCE_BYTES  # pure: no Django

# --- Core: paths, apps, middleware, templates ------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "django_htmx",
    "accounts",
    "simulations",
    "scripts_lib",
    "history",
    "orchestration",
    "ops",
    "web",
    "llm",
    "lab",
]

MIDDLEWARE = [
    # First: an oversized body is refused before anything reads it.
    "econsim_project.middleware.BodyCapMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "econsim_project.urls"
# A CSRF failure under /api/ answers in the API's error shape (HTML elsewhere).
CSRF_FAILURE_VIEW = "econsim_project.views.csrf_failure"
WSGI_APPLICATION = "econsim_project.wsgi.application"
ASGI_APPLICATION = "econsim_project.asgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.current_profile",
                "web.context_processors.unread_notifications",
            ],
        },
    },
]

# --- I18n, static, media --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Number formats per language (econsim_project/formats/<locale>/formats.py over Django's).
FORMAT_MODULE_PATH = ["econsim_project.formats"]
# The world's money is a unit of account, integer cents below the pages; pages show it with
# this symbol in every language (web/figures.py `money`), the API as integer cents.
MONEY_SYMBOL = env_str("MONEY_SYMBOL", "$")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security (clean `check --deploy` when production variables are set) ----------------------
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise env_error(
            "SECRET_KEY",
            "required unless DEBUG=true "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')",
            SECRET_KEY,
        )
    SECRET_KEY = "insecure-development-key-only-valid-with-debug-true"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Reverse proxies in front of the site that append to X-Forwarded-For (0: none; the client is
# REMOTE_ADDR and the header is ignored). Every client address comes from
# econsim_project.client_ip; allauth and DRF get the same count for their own code paths.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Database -------------------------------------------------------------------------------
_database_url = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if _database_url:
    DATABASES = {"default": database_from_url("DATABASE_URL", _database_url)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": sqlite_database(str(DATA_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (also the store of throttle counters and locks) -----------------------------------
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "econsim"),
            # Never swallow Redis errors: throttles and locks must not silently vanish.
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    # Files, not process memory: web and the worker must see the same heartbeat and counters.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

# --- Auth, accounts (django-allauth), seeded users --------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice("ACCOUNT_EMAIL_VERIFICATION", "none",
                                        ("none", "optional", "mandatory"))
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# POST /api/auth/token/: failed password checks per username tried, per fixed window.
AUTH_TOKEN_FAILURES_PER_ACCOUNT = env_int("AUTH_TOKEN_FAILURES_PER_ACCOUNT", 5, minimum=1)
AUTH_TOKEN_FAILURE_WINDOW_SECONDS = env_int("AUTH_TOKEN_FAILURE_WINDOW_SECONDS", 300,
                                            minimum=1)
# Log-in lands on the "Get started" page until a script is mounted, then on the dashboard.
LOGIN_REDIRECT_URL = "/start/"
ACCOUNT_SIGNUP_REDIRECT_URL = "/get-started/"
LOGOUT_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "EconSim <noreply@localhost>")
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)

OPERATOR_USERNAME = env_str("OPERATOR_USERNAME", "operator")
OPERATOR_EMAIL = env_str("OPERATOR_EMAIL", "operator@example.com")
OPERATOR_PASSWORD = env_str("OPERATOR_PASSWORD")
DEMO_USERNAME = env_str("DEMO_USERNAME", "demo")
DEMO_PASSWORD = env_str("DEMO_PASSWORD")
# The seeded world's schedule: a day every this many minutes, fired by beat (`make run` starts
# it), so a new user sees their script's first tick within minutes and nobody has to click.
SEED_SCHEDULE_EVERY_MINUTES = env_int("SEED_SCHEDULE_EVERY_MINUTES", 2, minimum=1)

# --- Strategy scripts and their sandbox (scripts_lib/, accounts/cpu_bucket.py) -----------------
# Defaults of the per-user script quotas; operators override them per user (ScriptQuota admin).
SCRIPTS_MAX_PER_USER = env_int("SCRIPTS_MAX_PER_USER", 20, minimum=0)
SCRIPT_VERSIONS_PER_DAY = env_int("SCRIPT_VERSIONS_PER_DAY", 50, minimum=0)
# The sandbox refuses a larger source.
SCRIPT_SOURCE_MAX_BYTES = env_int("SCRIPT_SOURCE_MAX_BYTES", 64 * 1024, minimum=1,
                                  maximum=MAX_SOURCE_BYTES)
SCRIPT_LOG_BYTES_PER_DAY = env_int("SCRIPT_LOG_BYTES_PER_DAY", 1_000_000, minimum=0)
# Scripts' printed output (ScriptTickLog) older than this many days is pruned daily (0: keep).
SCRIPT_LOG_RETENTION_DAYS = env_int("SCRIPT_LOG_RETENTION_DAYS", 14, minimum=0)
# Dry runs (of a saved version or of unsaved editor text) one user may start per minute.
SCRIPT_DRY_RUNS_PER_MINUTE = env_int("SCRIPT_DRY_RUNS_PER_MINUTE", 20, minimum=1)
# Failures in a row after which a mount is taken off its agent (a success resets the count).
SCRIPT_STRIKES_TO_UNMOUNT = env_int("SCRIPT_STRIKES_TO_UNMOUNT", 5, minimum=1)
# Script CPU: granted per user and tick, the burst bucket's cap, the most one tick may use.
SCRIPT_CPU_MS_PER_TICK = env_int("SCRIPT_CPU_MS_PER_TICK", 50, minimum=1)
SCRIPT_CPU_BUCKET_CAP_MS = env_int("SCRIPT_CPU_BUCKET_CAP_MS", 10_000, minimum=0)
# The sandbox refuses a job budget above its MAX_CPU_MS.
SCRIPT_CPU_MAX_MS_PER_TICK = env_int("SCRIPT_CPU_MAX_MS_PER_TICK", 500, minimum=1,
                                     maximum=MAX_CPU_MS)
# Zygotes of the process-wide sandbox (0: one per core) and calls of one owner per fork.
SCRIPT_SANDBOX_WORKERS = env_int("SCRIPT_SANDBOX_WORKERS", 0, minimum=0)
SCRIPT_SANDBOX_BATCH = env_int("SCRIPT_SANDBOX_BATCH", 16, minimum=1)

# --- REST API: DRF, schema, throttles, request limits ----------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "econsim_project.api_errors.api_exception_handler",
    # JSON with a depth cap and bigint integers (econsim_project/json_input.py).
    "DEFAULT_PARSER_CLASSES": [
        "econsim_project.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "econsim_project.throttling.ClientIpAnonRateThrottle",
        "econsim_project.throttling.ClientIpUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("THROTTLE_ANON_RATE", "120/min"),
        "user": env_rate("THROTTLE_USER_RATE", "1200/min"),
        "auth_token": env_rate("THROTTLE_AUTH_TOKEN_RATE", "20/min"),
        # Backtests created per user (POST /api/scripts/{id}/versions/{n}/backtests/).
        "backtests": env_rate("THROTTLE_BACKTEST_RATE", "10/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EconSim API",
    "DESCRIPTION": "Scriptable stock-flow-consistent agent-based economy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status" field; name their enums so that the schema
    # (and `check --deploy`) has no naming collisions.
    "ENUM_NAME_OVERRIDES": {
        "SimulationStatusEnum": "simulations.models.Simulation.Status",
        "ScheduleKindEnum": "simulations.models.Schedule.Kind",
        "AgentTypeEnum": "simulations.models.AgentType",
        "BacktestStatusEnum": "lab.models.Status",
    },
}

# Request limits (econsim_project/middleware.py, parsers.py).
# The largest request body, refused from its Content-Length before it is read (a chunked body
# is cut when it passes the cap). It must hold the largest legitimate upload: an avatar in a
# multipart body, or a script source in JSON, where escaping (\uXXXX) can make it 6x larger.
_LARGEST_UPLOAD = max(AVATAR_MAX_BYTES, 6 * SCRIPT_SOURCE_MAX_BYTES) + 64 * 1024
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", max(4 * 1024 * 1024, _LARGEST_UPLOAD),
                             minimum=_LARGEST_UPLOAD)
# Containers (objects, arrays) a JSON body may nest; deeper is a 400 `too_deep`.
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 64, minimum=4)

# --- History archive (history/) --------------------------------------------------------------
HISTORY_PAGE_SIZE_MAX = env_int("HISTORY_PAGE_SIZE_MAX", 1000, minimum=1)
HISTORY_PAGE_SIZE = env_int("HISTORY_PAGE_SIZE", 100, minimum=1, maximum=HISTORY_PAGE_SIZE_MAX)
# Tick logs older than this many days are pruned daily (0: keep them forever); aggregates,
# audit, snapshots, trades and ledger entries are always kept.
HISTORY_RETENTION_DAYS = env_int("HISTORY_RETENTION_DAYS", 90, minimum=0)

# --- Simulations and their runs (simulations/, orchestration/) -------------------------------
# How long a cached world (Redis) outlives its last use; PostgreSQL checkpoints are the truth.
SIMULATION_CACHE_TTL_SECONDS = env_int("SIMULATION_CACHE_TTL_SECONDS", 24 * 60 * 60, minimum=60)
# The most ticks one run (API, admin or schedule) may ask for.
SIMULATION_MAX_TICKS_PER_RUN = env_int("SIMULATION_MAX_TICKS_PER_RUN", 10_000, minimum=1)
# A run that finds its simulation busy (another run holds the lock) retries after this delay.
SIMULATION_BUSY_RETRY_SECONDS = env_int("SIMULATION_BUSY_RETRY_SECONDS", 5, minimum=1)
SIMULATION_BUSY_MAX_RETRIES = env_int("SIMULATION_BUSY_MAX_RETRIES", 720, minimum=0)
# A queued or running run silent this long (no heartbeat: taken from the queue, started, a tick
# committed) whose simulation's lock nobody holds is stale: its worker died or its message was
# lost. A sweep every SIMULATION_RUN_REAP_SECONDS (beat, and once when a worker starts) queues
# it again; after SIMULATION_RUN_MAX_REQUEUES re-queues it fails instead (a run that kills
# every worker it lands on must not loop forever).
SIMULATION_RUN_STALE_SECONDS = env_int("SIMULATION_RUN_STALE_SECONDS", 30, minimum=5)
SIMULATION_RUN_REAP_SECONDS = env_int("SIMULATION_RUN_REAP_SECONDS", 15, minimum=1)
SIMULATION_RUN_MAX_REQUEUES = env_int("SIMULATION_RUN_MAX_REQUEUES", 10, minimum=1)

# --- Strategy lab: backtests (lab/) -----------------------------------------------------------
# The most ticks one backtest may run (every arm runs them all).
LAB_BACKTEST_MAX_TICKS = env_int("LAB_BACKTEST_MAX_TICKS", 96, minimum=1,
                                 maximum=SIMULATION_MAX_TICKS_PER_RUN)
# Arm-ticks (arms x ticks) a user may ask for per UTC day: the `backtest_ticks` quota.
LAB_BACKTEST_TICKS_PER_DAY = env_int("LAB_BACKTEST_TICKS_PER_DAY", 2000, minimum=0)
# Backtests kept per user: creating one deletes the oldest finished ones beyond this.
LAB_BACKTESTS_KEPT = env_int("LAB_BACKTESTS_KEPT", 20, minimum=1)
# Backtests of one user queued or running at once.
LAB_BACKTESTS_ACTIVE_MAX = env_int("LAB_BACKTESTS_ACTIVE_MAX", 2, minimum=1,
                                   maximum=LAB_BACKTESTS_KEPT)
# The stored per-tick rows of one backtest, in bytes of JSON; an arm that would pass its share
# stops with reason `result_too_large` and keeps what it stored.
LAB_RESULT_MAX_BYTES = env_int("LAB_RESULT_MAX_BYTES", 8 * 1024 * 1024, minimum=64 * 1024)
# A fresh world's largest size (households; firms and banks are bounded by the engine).
LAB_FRESH_MAX_HOUSEHOLDS = env_int("LAB_FRESH_MAX_HOUSEHOLDS", 10_000, minimum=10)
# A running arm silent this long (no tick done) has lost its worker: it fails with reason
# `worker_lost`; a queued one not started after LAB_BACKTEST_QUEUE_SECONDS fails with
# `not_started`. The sweep runs every LAB_BACKTEST_REAP_SECONDS (beat).
LAB_BACKTEST_STALE_SECONDS = env_int("LAB_BACKTEST_STALE_SECONDS", 120, minimum=5)
LAB_BACKTEST_QUEUE_SECONDS = env_int("LAB_BACKTEST_QUEUE_SECONDS", 3600, minimum=5)
LAB_BACKTEST_REAP_SECONDS = env_int("LAB_BACKTEST_REAP_SECONDS", 30, minimum=1)

# --- LLM gateway (llm/, accounts/quotas.py) ---------------------------------------------------
LLM_PROVIDER = env_choice("LLM_PROVIDER", "mock", ("mock", "openai"))
LLM_BASE_URL = env_url("LLM_BASE_URL", ("http", "https"))
if LLM_PROVIDER == "openai" and not LLM_BASE_URL:
    raise env_error("LLM_BASE_URL", "required when LLM_PROVIDER=openai", "")
LLM_API_KEY = env_str("LLM_API_KEY")
LLM_MODELS = env_list("LLM_MODELS", ["econsim-mock"], nonempty=True)
LLM_DEFAULT_MODEL = env_choice("LLM_DEFAULT_MODEL", LLM_MODELS[0], LLM_MODELS,
                               among="LLM_MODELS")
LLM_MAX_TOKENS_CAP = env_int("LLM_MAX_TOKENS_CAP", 1024, minimum=1)
LLM_DEFAULT_MAX_TOKENS = env_int("LLM_DEFAULT_MAX_TOKENS", min(256, LLM_MAX_TOKENS_CAP), minimum=1,
                                 maximum=LLM_MAX_TOKENS_CAP)
LLM_TIMEOUT_MS = env_int("LLM_TIMEOUT_MS", 30_000, minimum=1)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2, minimum=0)
LLM_RETRY_BACKOFF_MS = env_int("LLM_RETRY_BACKOFF_MS", 500, minimum=0)
LLM_REQUESTS_PER_MINUTE = env_int("LLM_REQUESTS_PER_MINUTE", 20, minimum=0)
LLM_TOKENS_PER_DAY = env_int("LLM_TOKENS_PER_DAY", 50_000, minimum=0)

# --- Web server (gunicorn reads these: econsim_project/gunicorn_config.py) --------------------
# gunicorn kills a worker whose request outlasts WEB_TIMEOUT_SECONDS, so it must outlast the
# LLM gateway's worst case, or a slow upstream ends in a dropped connection, not the 504.
LLM_WORST_CASE_SECONDS = llm_worst_case_seconds(timeout_ms=LLM_TIMEOUT_MS,
                                                max_retries=LLM_MAX_RETRIES)
WEB_TIMEOUT_SECONDS = env_int("WEB_TIMEOUT_SECONDS", web_timeout_default(LLM_WORST_CASE_SECONDS),
                              minimum=1)
if WEB_TIMEOUT_SECONDS <= LLM_WORST_CASE_SECONDS:
    raise env_error(
        "WEB_TIMEOUT_SECONDS",
        f"must exceed the LLM gateway's worst case, {LLM_WORST_CASE_SECONDS} s "
        "(LLM_MAX_RETRIES + 1 attempts of LLM_TIMEOUT_MS and the waits between them)",
        WEB_TIMEOUT_SECONDS)
WEB_WORKERS = env_int("WEB_WORKERS", 3, minimum=1)

# --- Celery ---------------------------------------------------------------------------------
# A broker server in production (Redis or RabbitMQ). Without one, kombu's filesystem transport
# under DATA_DIR/broker: the same worker, beat and task code run, with nothing to install.
CELERY_BROKER_URL = (env_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "amqps"))
                     or "filesystem://")
BROKER_IN_FILES = CELERY_BROKER_URL == "filesystem://"
CELERY_TASK_EAGER_PROPAGATES = True  # for the unit tests that run tasks in-process
CELERY_TASK_STORE_EAGER_RESULT = True  # ... and read their results like a worker's
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=2)
# The soft limit hands the rest of a run to a new delivery (it resumes from its last committed
# tick); it must come before the hard limit, which kills the worker process.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT",
                                      min(25 * 60, CELERY_TASK_TIME_LIMIT - 1), minimum=1,
                                      maximum=CELERY_TASK_TIME_LIMIT - 1)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "econsim")
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis broker: a task whose worker died unacknowledged is delivered again after this many
# seconds. Runs resume from their DayRun, and a duplicate delivery of a running one waits on
# the simulation's lock, so a short value only costs retries. The unacked bookkeeping keys are
# per queue so that test runs sharing a Redis database never restore each other's tasks.
# (The filesystem broker forgets a message its worker took and died with; the stale-run sweep
# queues that run again.)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
if BROKER_IN_FILES:
    _broker_dir = DATA_DIR / "broker"
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_key": f"{CELERY_TASK_DEFAULT_QUEUE}:unacked",
        "unacked_index_key": f"{CELERY_TASK_DEFAULT_QUEUE}:unacked_index",
        "unacked_mutex_key": f"{CELERY_TASK_DEFAULT_QUEUE}:unacked_mutex",
    }
# The database scheduler, adding each schedule firing's due time (orchestration/beat.py) and
# touching BEAT_ALIVE_FILE on every tick (compose's healthcheck of beat, ops/beat.py).
CELERY_BEAT_SCHEDULER = "ops.beat:TickingDatabaseScheduler"
BEAT_ALIVE_FILE = DATA_DIR / "beat.alive"
# Static beat entries: the database scheduler syncs them into django_celery_beat at beat start
# (idempotent).
CELERY_BEAT_SCHEDULE = {
    # A worker that answers writes a heartbeat; /api/health/ reports tasks "ok" while it is fresh.
    "ops-worker-heartbeat": {"task": "ops.worker_heartbeat", "schedule": 60.0},
    "history-prune-tick-logs": {
        "task": "history.prune_tick_logs",
        "schedule": 24 * 60 * 60.0,
    },
    "simulations-requeue-stale-runs": {
        "task": "simulations.requeue_stale_runs",
        "schedule": float(SIMULATION_RUN_REAP_SECONDS),
        # With no worker up, sweeps must not pile up in the queue: the next one will do.
        "options": {"expires": float(SIMULATION_RUN_REAP_SECONDS)},
    },
    "lab-fail-stale-backtests": {
        "task": "lab.fail_stale_backtests",
        "schedule": float(LAB_BACKTEST_REAP_SECONDS),
        "options": {"expires": float(LAB_BACKTEST_REAP_SECONDS)},
    },
    "scripts-prune-tick-logs": {
        "task": "scripts_lib.prune_tick_logs",
        "schedule": 24 * 60 * 60.0,
    },
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice(
        "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))},
}
