"""Domain errors: a rule was broken. The message is plain English, shown to the person as it is."""


class DomainError(Exception):
    """A rule was broken: the request conflicts with the state of things (409)."""

    status = 409


class NotAllowed(DomainError):
    """The person may not do this to this object (403)."""

    status = 403


class SessionFull(DomainError):
    def __init__(self, message: str = "This session is full — join the waiting list to be offered a place if one comes free."):
        super().__init__(message)


class TryAgain(DomainError):
    def __init__(self, message: str = "Lots of people are booking right now. Please try again in a moment."):
        super().__init__(message)
