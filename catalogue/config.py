"""Settings from the environment, with safe defaults for a single-machine install."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The features, in the order create_app starts them (catalogue.features finds what each brings;
# the order is that of dashboard panels and after-request hooks). The one place that names them.
FEATURES: tuple[str, ...] = (
    "catalogue.accounts",
    "catalogue.core_views",
    "catalogue.records",
    "catalogue.search",
    "catalogue.insights",
    "catalogue.notifications",
    "catalogue.upkeep",
    "suppliers",
    "outcomes",
    "catalogue.atrs",
    "catalogue.csv_export",
    "catalogue.cli",
    "catalogue.bundle",
    "catalogue.importers.cfe",
    "catalogue.personal_data.cli",
    "catalogue.importers.cli",
)


def _instance_dir() -> Path:
    path = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    try:
        # Exclusive create: of two workers starting at once, one writes the key and the other
        # reads it, so both sign sessions with the same key. Owner-only from the first byte.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # the winner may not have written yet
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{key_file} is empty: delete it and start again")


def load_config(overrides: dict | None = None) -> dict:
    instance = _instance_dir()
    config = {
        "PRODUCT_NAME": "Signpost",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'catalogue.db'}"),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "SECRET_KEY": _secret_key(instance),
        "INSTANCE_DIR": str(instance),
        # Bodies larger than this are refused before any view sees them.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Flask-Login's default is a year; a month asks people to sign in again now and then.
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host: with
        # 0 (no proxy) those headers are ignored, as anyone could send them.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Signpost <no-reply@signpost.invalid>"),
        "MAIL_SEND_AFTER_REQUEST": os.environ.get("MAIL_SEND_AFTER_REQUEST", "1") == "1",
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "6")),
        "MAIL_RETRY_SECONDS": float(os.environ.get("MAIL_RETRY_SECONDS", "60")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # The indexer applies the change log after each write request; turned off in some tests.
        "SEARCH_SYNC_AFTER_REQUEST": os.environ.get("SEARCH_SYNC_AFTER_REQUEST", "1") == "1",
        # How often (seconds) a search first asks the change log whether another server wrote;
        # this server's own writes are applied after their request. 0: before every search.
        "SEARCH_CATCH_UP_SECONDS": float(os.environ.get("SEARCH_CATCH_UP_SECONDS", "0.25")),
        # Compile every template when a process starts (catalogue.warmup), not in its first
        # requests. Off in tests, where every test creates an app.
        "WARM_UP": os.environ.get("WARM_UP", "1") == "1",
    }
    if overrides:
        config.update(overrides)
        # Tests create an app each (a few seconds of compiling every time): off unless asked for.
        if overrides.get("TESTING") and "WARM_UP" not in overrides:
            config["WARM_UP"] = False
    return config
