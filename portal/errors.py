"""Domain errors: a rule was broken. The message is plain English, shown to the person as it is."""


class DomainError(Exception):
    pass


class NotAllowed(DomainError):
    """The person may not do this to this object (a view turns it into a 403)."""


class SessionFull(DomainError):
    def __init__(self, message: str = "This session is full — join the waiting list to be offered a place if one comes free."):
        super().__init__(message)


class TryAgain(DomainError):
    def __init__(self, message: str = "Lots of people are booking right now. Please try again in a moment."):
        super().__init__(message)
