"""Domain errors: a rule was broken. The message is a whole sentence in the person's language (marked with
gettext where it is raised), shown to the person as it is."""
from flask_babel import gettext as _


class DomainError(Exception):
    """A rule was broken: the request conflicts with the state of things (409).

    ``unmet``: a refusal that is a sign of unmet demand (the session was full, the council's funding had run out, a
    budget was too small) says so, as ``{"kind": ..., "reason": ..., "session_id": ...}`` with no personal data;
    ``portal.attempts`` hands it to whoever listens once the refused change has been rolled back."""

    status = 409

    def __init__(self, *args, unmet: dict | None = None):
        super().__init__(*args)
        self.unmet = unmet


class NotAllowed(DomainError):
    """The person may not do this to this object (403)."""

    status = 403


class SessionFull(DomainError):
    def __init__(self, message: str | None = None, *, session_id: int | None = None):
        # Translated here, not as a default argument: defaults are evaluated once, at import, in English.
        super().__init__(message or _("This session is full — join the waiting list to be offered a place if one "
                                      "comes free."), unmet={"kind": "full", "reason": "", "session_id": session_id})


class TryAgain(DomainError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("Lots of people are booking right now. Please try again in a moment."))
