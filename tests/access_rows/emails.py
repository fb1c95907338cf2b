"""Access rows for the administrators' page of emails not sent and scheduled tasks (portal/email_views.py)."""
from portal.extensions import db
from portal.notify import EmailStatus, OutboxEmail

from . import DENY, LOGIN, NO_CHILD_RECORD

ADMIN = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY, "trust": DENY,
         "adults": DENY, "admin": 200}
# Sending a failed email again: the administrator is taken back to the page.
ADMIN_SENT = dict(ADMIN, admin=302)


def world(users, values):
    email = OutboxEmail(to_address="failed@example.com", language="en", subject="A failed email", body="Words.",
                        attachments=[], status=EmailStatus.FAILED, attempts=6)
    db.session.add(email)
    db.session.flush()
    return {"email_id": email.id}


# Only addresses, subjects and errors are shown: no child's record.
ROWS = [
    ("GET", "/admin/emails", ADMIN, NO_CHILD_RECORD),
    ("POST", "/admin/emails/<int:email_id>/send-again", ADMIN_SENT, NO_CHILD_RECORD),
]


def restore(values):
    """Sending it again sent it (printed, with no mail server): it is a failed email again for the next row."""
    email = db.session.get(OutboxEmail, values["email_id"])
    email.status, email.attempts = EmailStatus.FAILED, 6
