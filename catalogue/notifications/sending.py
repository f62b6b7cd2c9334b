"""The email outbox, sent: claiming a queued email, building the message, sending it with
retries and backoff, after the response or by `flask mail send-pending`."""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import sqlalchemy as sa
from flask import Flask

from catalogue.db import reading, utcnow, writing
from catalogue.notifications.models import OutboxEmail

log = logging.getLogger("catalogue.notifications.services")

DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_RETRY_SECONDS = 60
# A worker that claimed an email and died leaves it 'sending'; another may take it after this.
STALE_CLAIM = timedelta(minutes=10)


def _claim(app: Flask, email_id: int) -> bool:
    """Take one email for this worker: only one UPDATE can move it from pending to sending."""
    now = utcnow()
    table = OutboxEmail.__table__
    with writing(), app.extensions["catalogue.engine"].begin() as conn:
        result = conn.execute(
            sa.update(table)
            .where(
                table.c.id == email_id,
                sa.or_(
                    sa.and_(table.c.status == "pending", table.c.next_attempt_at <= now),
                    sa.and_(table.c.status == "sending", table.c.claimed_at < now - STALE_CLAIM),
                ),
            )
            .values(status="sending", claimed_at=now, attempts=table.c.attempts + 1)
        )
        return result.rowcount == 1


def _finish(app: Flask, email_id: int, error: str | None, permanent: bool = False) -> None:
    table = OutboxEmail.__table__
    now = utcnow()
    max_attempts = app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    base = app.config.get("MAIL_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
    with writing(), app.extensions["catalogue.engine"].begin() as conn:
        if error is None:
            conn.execute(
                sa.update(table).where(table.c.id == email_id).values(status="sent", sent_at=now, last_error=None)
            )
            return
        attempts = conn.execute(sa.select(table.c.attempts).where(table.c.id == email_id)).scalar_one()
        if permanent or attempts >= max_attempts:
            values = {"status": "failed", "last_error": error[:1000]}
        else:
            # Exponential backoff: 1, 2, 4, 8... times the base delay.
            delay = timedelta(seconds=base * 2 ** (attempts - 1))
            values = {"status": "pending", "last_error": error[:1000], "next_attempt_at": now + delay}
        conn.execute(sa.update(table).where(table.c.id == email_id).values(**values))


# SMTP line endings, and header lines up to RFC 5322's 998-character limit: the default 78 would
# fold (and so RFC 2047-encode) a List-Unsubscribe URL, which mail clients then cannot use.
MAIL_POLICY = email_policy.SMTP.clone(max_line_length=998)


# Line breaks and other control characters: the header policy refuses CR and LF (they would
# start a new header), and the rest have no place in one.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_value(value: str) -> str:
    """A header value as one line: every run of line breaks and control characters becomes one
    space. Every header built from stored text goes through here."""
    return " ".join(_HEADER_BREAKS.sub(" ", value or "").split())


def _message(app: Flask, row: Any) -> EmailMessage:
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = header_value(app.config["MAIL_FROM"])
    msg["To"] = header_value(row.to_address)
    msg["Subject"] = header_value(row.subject)
    msg["Message-ID"] = make_msgid(domain="signpost.invalid")
    if row.unsubscribe_token:  # account emails (confirm, reset) have nothing to unsubscribe from
        msg["List-Unsubscribe"] = header_value(
            f"<{app.config['BASE_URL'].rstrip('/')}/notifications/unsubscribe/{row.unsubscribe_token}>"
        )
        # RFC 8058 one-click: the mail client POSTs to that URL; the signed token is the authority.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body)
    return msg


def _connect(app: Flask) -> smtplib.SMTP:
    smtp = smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=app.config.get("MAIL_TIMEOUT", 20))
    if app.config.get("MAIL_USE_TLS"):
        smtp.starttls(context=ssl.create_default_context())
    if app.config.get("MAIL_USERNAME"):
        smtp.login(app.config["MAIL_USERNAME"], app.config.get("MAIL_PASSWORD") or "")
    return smtp


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def send_pending(app: Flask, limit: int = 100, connect: Callable[[Flask], smtplib.SMTP] | None = None) -> SendResult:
    """Send due emails from the outbox. Safe with several workers at once: each email is claimed
    by one UPDATE before sending. A failure is recorded on the email and retried later with
    backoff (after MAIL_MAX_ATTEMPTS it is marked failed; a permanent 5xx refusal is marked failed
    at once, and the rest of the batch still goes out); it never touches the original write.
    Any other failure of one email (it cannot be built or encoded) marks that email failed with
    the reason, and the batch goes on. An email left 'sending' by a worker that died is taken
    again after STALE_CLAIM, and given up once it has used up its attempts that way.
    If the server cannot be reached the batch stops, leaving the rest pending."""
    # Reads here are plain reads even when called from a writing request or command; only the
    # claim and the outcome are writes (each its own short transaction, see `writing()` there).
    with reading():
        return _send_pending(app, limit, connect)


def _send_pending(app: Flask, limit: int, connect: Callable[[Flask], smtplib.SMTP] | None) -> SendResult:
    result = SendResult()
    table = OutboxEmail.__table__
    with app.app_context():
        engine = app.extensions["catalogue.engine"]
        now = utcnow()
        with engine.connect() as conn:
            due = (
                conn.execute(
                    sa.select(table.c.id)
                    .where(
                        sa.or_(
                            sa.and_(table.c.status == "pending", table.c.next_attempt_at <= now),
                            sa.and_(table.c.status == "sending", table.c.claimed_at < now - STALE_CLAIM),
                        )
                    )
                    .order_by(table.c.id)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
        if not due:
            return result
        smtp: smtplib.SMTP | None = None
        try:
            for email_id in due:
                if not _claim(app, email_id):
                    continue  # another worker took it
                with engine.connect() as conn:
                    row = conn.execute(sa.select(table).where(table.c.id == email_id)).one()
                if row.attempts > app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS):
                    # Every worker that took it stopped while sending it (or it was never sent
                    # after the last try): give up rather than let it take the next worker down.
                    _finish(app, email_id, "abandoned: the workers sending it stopped", permanent=True)
                    result.failed += 1
                    continue
                try:
                    message = _message(app, row)
                except Exception as exc:
                    # Building the message cannot succeed on a retry: fail this email, go on.
                    log.warning("outbox email %s cannot be built: %s", email_id, exc)
                    _finish(app, email_id, f"{type(exc).__name__}: {exc}", permanent=True)
                    result.failed += 1
                    continue
                try:
                    if smtp is None:
                        smtp = (connect or _connect)(app)
                    smtp.send_message(message)
                except (OSError, smtplib.SMTPException) as exc:
                    # A 5xx answer (mailbox unknown, message refused) will not change on retry:
                    # the email is marked failed at once. 4xx and connection trouble are retried.
                    permanent = isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
                    _finish(app, email_id, f"{type(exc).__name__}: {exc}", permanent)
                    failed = _status(engine, email_id) == "failed"
                    result.failed += failed
                    result.retrying += not failed
                    # (SMTPException is an OSError: only a lost connection stops the batch.)
                    lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException)
                    if smtp is None or lost:
                        break  # the server is unreachable: leave the rest for the next run
                    continue
                except Exception as exc:
                    log.warning("outbox email %s failed: %s", email_id, exc)
                    _finish(app, email_id, f"{type(exc).__name__}: {exc}", permanent=True)
                    result.failed += 1
                    if smtp is not None:  # the conversation may be half-way: start a new one
                        with contextlib.suppress(OSError, smtplib.SMTPException):
                            smtp.close()
                        smtp = None
                    continue
                _finish(app, email_id, None)
                result.sent += 1
        finally:
            if smtp is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    smtp.quit()
    return result


def _status(engine: Any, email_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(OutboxEmail.__table__.c.status).where(OutboxEmail.__table__.c.id == email_id)
        ).scalar_one()


def send_after_response(app: Flask) -> None:
    """Called once the response has gone: send what this request queued, recording any failure on
    the emails (never raising into the request)."""
    try:
        send_pending(app)
    except Exception:  # a mail problem must not surface as a server error
        log.exception("sending queued emails after the request failed; `flask mail send-pending` will retry")
