"""Email to families and staff, through a durable outbox.

``queue()`` writes the email (rendered now, in the recipient's language) to the ``outbox_emails`` table in the
same transaction as the change that causes it: if that change rolls back, so does the email, and once it commits
the email cannot be lost. After the commit a job (``portal.jobs``) sends it; a send that fails is tried again with
a growing wait (``RETRY_AFTER``), and after the last try the email is marked failed and shown to administrators
(``/admin/emails``). Each email is claimed by one conditional UPDATE before it is sent, so two workers never both
send it; its ``Message-ID`` comes from its row, so a receiving server can tell a repeat (the only one possible: a
worker killed after the SMTP server took the email and before the row says so, which sends it again after
``CLAIM_EXPIRES``).

Without ``MAIL_SERVER`` (development), emails are printed to the log instead of sent, and kept only in the table.
"""
from __future__ import annotations

import base64
import enum
import logging
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from sqlalchemy import (JSON, Boolean, Enum, Index, Integer, String, Text, delete, func, or_, select,
                        update)
from sqlalchemy.orm import Mapped, mapped_column

from . import jobs
from .extensions import db
from .i18n import current_language, in_language
from .outbox import after_commit
from .timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)

# How long to wait before each next try, after the first try fails: then the email is marked failed.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=20), timedelta(hours=1),
               timedelta(hours=3))
ATTEMPTS = len(RETRY_AFTER) + 1
# A claim older than this is a worker that died while sending: the email is tried again.
CLAIM_EXPIRES = timedelta(minutes=10)
# Sent emails (addresses and words about children) are deleted from the outbox this long after they were sent.
KEEP_SENT = timedelta(days=30)


class EmailStatus(enum.Enum):
    WAITING = "waiting"  # to be sent (again) from next_attempt_at
    SENDING = "sending"  # claimed by a worker at claimed_at
    SENT = "sent"
    FAILED = "failed"  # every try failed: shown to administrators, who may send it again


class OutboxEmail(db.Model):
    """An email to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # Each: filename, mimetype, params, and either content (base64) or maker and args (made as it is sent).
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[EmailStatus] = mapped_column(Enum(EmailStatus, native_enum=False, length=16),
                                                default=EmailStatus.WAITING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its person's data was erased (forget_emails_to): the row is deleted once sent, or once it fails for good.
    forget_when_sent: Mapped[bool] = mapped_column(Boolean, default=False)


# Attachments made only as the email is sent (a calendar file), by name: {name: maker(*args) -> bytes | None}.
MAKERS: dict[str, Callable[..., bytes | None]] = {}


def attachment_maker(name: str) -> Callable:
    """Register ``fn(*args) -> bytes | None`` to make an attachment as its email is sent, in the recipient's
    language (None: leave it out)."""
    def decorator(fn):
        MAKERS[name] = fn
        return fn
    return decorator


@dataclass(frozen=True)
class Made:
    """An attachment's content, made by a registered maker as the email is sent: ``Made(name, *args)``, args
    plain values (ids)."""

    maker: str
    args: tuple

    def __init__(self, maker: str, *args):
        object.__setattr__(self, "maker", maker)
        object.__setattr__(self, "args", args)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email: ``content`` is its bytes, or ``Made(...)`` to make it as the email is sent."""

    filename: str
    mimetype: str
    content: bytes | Made
    params: dict[str, str] = field(default_factory=dict)  # more of the Content-Type (charset, method)

    def stored(self) -> dict:
        kept = {"filename": self.filename, "mimetype": self.mimetype, "params": dict(self.params)}
        if isinstance(self.content, Made):
            return kept | {"maker": self.content.maker, "args": list(self.content.args)}
        return kept | {"content": base64.b64encode(self.content).decode("ascii")}


def queue(to, subject, template: str, *, attachments: tuple[Attachment, ...] = (), **context) -> None:
    """Write an email to the outbox, to be sent once the current transaction commits (never if it rolls back).

    ``to`` is the person (a ``User``: the email is in their language) or, for someone without an account yet,
    an address (the email is in the language of the page that sent it). ``subject`` is marked with
    ``lazy_gettext`` so that it is translated into the recipient's language here."""
    address, code = (to, current_language().code) if isinstance(to, str) else (to.email, to.language)
    with in_language(code):
        email = {"to_address": address, "language": code, "subject": str(subject),
                 "body": render_template(f"email/{template}.txt", **context),
                 "attachments": [attachment.stored() for attachment in attachments],
                 "status": EmailStatus.WAITING, "attempts": 0, "next_attempt_at": utcnow()}
    # Written at once, in the caller's transaction, as one INSERT rather than through the ORM's unit of work:
    # nothing uses the email as an object, and every booking writes one.
    email_id = db.session.connection().execute(_WRITE_EMAIL, email).inserted_primary_key[0]
    after_commit(_send_soon, email_id)


_WRITE_EMAIL = OutboxEmail.__table__.insert()


def _send_soon(email_id: int) -> None:
    deliver.later(email_id)


def link(endpoint: str, **values) -> str:
    """An absolute link for an email, Stripe or a PDF, always built from BASE_URL: never from the request's Host
    header, which anyone can set (a password-reset link must not be sent pointing at someone else's site)."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    if not has_request_context():
        return base + current_app.url_map.bind("localhost").build(endpoint, values)
    if not base:  # development without BASE_URL only: production refuses to start without it
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


@jobs.task()
def deliver(email_id: int) -> bool:
    """Send one email from the outbox if it is due and nobody else has claimed it; True if it was sent."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == EmailStatus.WAITING,
               OutboxEmail.next_attempt_at <= now)
        .values(status=EmailStatus.SENDING, claimed_at=now, attempts=OutboxEmail.attempts + 1)).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    email = db.session.get(OutboxEmail, email_id)
    try:
        send_now(_message(email))
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the email must not stay claimed
        db.session.rollback()
        email = db.session.get(OutboxEmail, email_id)
        email.last_error = f"{type(error).__name__}: {error}"[:500]
        if email.attempts >= ATTEMPTS:
            email.status = EmailStatus.FAILED
            log.error("Gave up sending email %s after %s tries: %s", email.id, email.attempts, email.last_error)
        else:
            email.status = EmailStatus.WAITING
            email.next_attempt_at = utcnow() + RETRY_AFTER[email.attempts - 1]
            log.warning("Could not send email %s (try %s), trying again at %s: %s", email.id, email.attempts,
                        email.next_attempt_at, email.last_error)
        db.session.flush()
        db.session.execute(delete(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.status ==
                                                     EmailStatus.FAILED, OutboxEmail.forget_when_sent.is_(True)))
        db.session.commit()
        return False
    email.status, email.sent_at, email.last_error = EmailStatus.SENT, utcnow(), None
    db.session.flush()
    # Read the flag from the database, not from before the send: an erasure may have set it meanwhile.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.forget_when_sent.is_(True)))
    db.session.commit()
    return True


def _message(email: OutboxEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # One Message-ID per outbox row, the same at every try: a repeat of the same email can be recognised as such.
    message["Message-ID"] = message_id(email)
    message.set_content(email.body)
    with in_language(email.language):
        for stored in email.attachments or []:
            if "maker" in stored:
                content = MAKERS[stored["maker"]](*stored["args"])
                if content is None:
                    continue
            else:
                content = base64.b64decode(stored["content"])
            maintype, _slash, subtype = stored["mimetype"].partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=stored["filename"],
                                   params=stored.get("params") or {})
    return message


def message_id(email: OutboxEmail) -> str:
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"
    return f"<outbox-{email.id}.{email.created_at:%Y%m%d%H%M%S}@{host}>"  # i18n: not shown (an email header)


def send_now(message: EmailMessage) -> None:
    """Hand one email to the SMTP server (or, without MAIL_SERVER, print it to the log)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.warning("Email (no MAIL_SERVER set, so printed instead):\n%s", message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


# One sweep sends for at most this long (a mail server that times out on each email must not hold the task).
SWEEP_SECONDS = 50


@jobs.every("send-emails", minute="*", lease=timedelta(minutes=5))
def send_due(limit: int = 500) -> str:
    """Send the emails whose time has come: new ones the queue lost, and those waiting to be tried again; an
    email claimed by a worker that died is tried again after CLAIM_EXPIRES. Sent emails, and failed ones, are
    deleted KEEP_SENT after their last try."""
    now = utcnow()
    db.session.execute(update(OutboxEmail).where(OutboxEmail.status == EmailStatus.SENDING,
                                                 OutboxEmail.claimed_at < now - CLAIM_EXPIRES)
                       .values(status=EmailStatus.WAITING))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.status == EmailStatus.SENT,
                                                 OutboxEmail.sent_at < now - KEEP_SENT))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.status == EmailStatus.FAILED,
                                                 OutboxEmail.claimed_at < now - KEEP_SENT))
    db.session.commit()
    due = db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == EmailStatus.WAITING,
                                                          OutboxEmail.next_attempt_at <= now)
                             .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit)).all()
    db.session.rollback()
    sent, tried, until = 0, 0, time.monotonic() + SWEEP_SECONDS
    for email_id in due:
        if time.monotonic() > until:
            break  # the rest at the next sweep, a minute from now
        sent += deliver(email_id)
        tried += 1
    return f"sent {sent} of {tried} emails due"  # i18n: not shown (the scheduled task's log)


def forget_emails_mentioning(values: list[str], patterns: list[re.Pattern]) -> None:
    """Erasing a family's or a child's data (``privacy``): every email to or about them is deleted from the
    outbox (its address, subject or words name them: ``values`` found in SQL, then each checked against
    ``patterns``, the same whole-word matches erasure uses), and any still to be sent (such as the one saying their
    account has been deleted) is deleted as soon as it has been sent or has failed."""
    if not values:
        return
    maybe = or_(*(column.contains(value.lower(), autoescape=True) for value in values
                  for column in (func.lower(OutboxEmail.to_address), func.lower(OutboxEmail.subject),
                                 func.lower(OutboxEmail.body))))
    candidates = db.session.execute(select(OutboxEmail.id, OutboxEmail.status, OutboxEmail.to_address,
                                           OutboxEmail.subject, OutboxEmail.body).where(maybe)).all()
    named = [row for row in candidates
             if any(p.search(text) for p in patterns for text in (row.to_address, row.subject, row.body))]
    done = (EmailStatus.SENT, EmailStatus.FAILED)
    gone = [row.id for row in named if row.status in done]
    later = [row.id for row in named if row.status not in done]
    if gone:
        db.session.execute(delete(OutboxEmail).where(OutboxEmail.id.in_(gone)))
    if later:
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(later)).values(forget_when_sent=True))


def send_again(email: OutboxEmail) -> None:
    """An administrator asks for a failed email to be tried again (as if new: the same number of tries)."""
    email.status, email.attempts, email.next_attempt_at = EmailStatus.WAITING, 0, utcnow()
    after_commit(_send_soon, email.id)
