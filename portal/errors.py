"""Domain errors: a rule was broken. The message is a whole sentence in the person's language (marked with
gettext where it is raised), shown to the person as it is."""
from flask_babel import gettext as _


class DomainError(Exception):
    """A rule was broken: the request conflicts with the state of things (409)."""

    status = 409


class NotAllowed(DomainError):
    """The person may not do this to this object (403)."""

    status = 403


class SessionFull(DomainError):
    def __init__(self, message: str | None = None):
        # Translated here, not as a default argument: defaults are evaluated once, at import, in English.
        super().__init__(message or _("This session is full — join the waiting list to be offered a place if one "
                                      "comes free."))


class TryAgain(DomainError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("Lots of people are booking right now. Please try again in a moment."))
