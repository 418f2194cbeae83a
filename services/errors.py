"""Domain errors whose messages are shown to users in Chinese."""


class DomainError(Exception):
    """A refusal the user can act on. ``message`` is already translated."""

    category = "error"

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class PermissionDenied(DomainError):
    """The acting user may not do this to this row."""


class NotFound(DomainError):
    """The row does not exist or lies outside the user's subtree."""


class InvalidTransition(DomainError):
    """The row's current status does not allow the action."""


class Conflict(DomainError):
    """Someone else changed the row after the user loaded it."""


class ValidationFailed(DomainError):
    """Input that breaks a rule; the message names the field and the fix."""


class Locked(DomainError):
    """The trainee list is submitted or approved and cannot change."""
