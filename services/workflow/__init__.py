"""Every status change of a workshop and of the rows that belong to it.

A transition names the status column it moves, the statuses it starts from,
the status it ends in, and who may perform it. ``perform`` (and
``perform_row`` for plan changes and completion materials) checks the role,
the subtree and the current status inside one write transaction and moves the
status with a conditional UPDATE, so two reviewers acting at once cannot both
succeed. Each transition writes an audit record in the same transaction.

``engine`` holds the machinery; ``declarations``, ``after_approval`` and
``trainee_lists`` register the transitions of each stage when imported here.
"""

from . import after_approval, declarations, trainee_lists  # noqa: F401 (register their transitions)
from .after_approval import PLAN_CHANGE_COLUMNS, plan_change_values
from .declarations import can_declare, can_delete_declaration, can_edit_declaration
from .engine import (
    ROW_TRANSITIONS,
    TRANSITIONS,
    RowTransition,
    Transition,
    available_actions,
    can,
    can_row,
    check,
    check_row,
    perform,
    perform_many,
    perform_row,
    perform_row_many,
    register,
    register_row,
    status_label,
)

__all__ = [
    "PLAN_CHANGE_COLUMNS",
    "ROW_TRANSITIONS",
    "TRANSITIONS",
    "RowTransition",
    "Transition",
    "available_actions",
    "can",
    "can_declare",
    "can_delete_declaration",
    "can_edit_declaration",
    "can_row",
    "check",
    "check_row",
    "perform",
    "perform_many",
    "perform_row",
    "perform_row_many",
    "plan_change_values",
    "register",
    "register_row",
    "status_label",
]
