"""Email to families and staff. Messages are queued during a unit of work and sent only after it commits (the
after-commit outbox in ``portal.outbox``)."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template, url_for

from .i18n import current_language, in_language
from .outbox import after_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email. ``content`` may be a function making it, called as the email is written, in
    the recipient's language (a calendar file's words are)."""

    filename: str
    mimetype: str
    content: bytes | Callable[[], bytes]
    params: dict[str, str] = field(default_factory=dict)  # more of the Content-Type (charset, method)

    def made(self) -> Attachment:
        content = self.content() if callable(self.content) else self.content
        return Attachment(self.filename, self.mimetype, content, self.params)


def queue(to, subject, template: str, *, attachments: tuple[Attachment, ...] = (), **context) -> None:
    """Render an email now and send it once the current transaction commits (never if it rolls back).

    ``to`` is the person (a ``User``: the email is in their language) or, for someone without an account yet,
    an address (the email is in the language of the page that sent it). ``subject`` is marked with
    ``lazy_gettext`` so that it is translated into the recipient's language here."""
    address, code = (to, current_language().code) if isinstance(to, str) else (to.email, to.language)
    with in_language(code):
        after_commit(send, address, str(subject), render_template(f"email/{template}.txt", **context),
                     tuple(attachment.made() for attachment in attachments))


def link(endpoint: str, **values) -> str:
    """An absolute link for an email, Stripe or a PDF, always built from BASE_URL: never from the request's Host
    header, which anyone can set (a password-reset link must not be sent pointing at someone else's site)."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    if not has_request_context():
        return base + current_app.url_map.bind("localhost").build(endpoint, values)
    if not base:  # development without BASE_URL only: production refuses to start without it
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def send_now(to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for attachment in attachments:
        maintype, _slash, subtype = attachment.mimetype.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename,
                               params=attachment.params)
    if not config.get("MAIL_SERVER"):
        log.warning("Email (no MAIL_SERVER set, so printed instead):\n%s", message)
        current_app.extensions.setdefault("outbox", []).append(message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def send(to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()) -> None:
    """Send an email after its change has committed; a mail failure must not turn that change into an error."""
    try:
        send_now(to, subject, body, attachments)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send email %r to %s", subject, to)
