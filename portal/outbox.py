"""The after-commit outbox: work that may happen only once a change has really been made (emails, Stripe refunds).

Services queue it inside their transaction with ``after_commit(task, *args)``; it runs when that transaction
commits and is dropped if it rolls back. It is built into the session's ``commit()``, so it works the same from
a request, a command line task or a test. Each task runs in a transaction of its own, committed after it (a task
never commits itself); a task that fails is rolled back and logged, and does not undo the change that queued it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession

log = logging.getLogger(__name__)
_QUEUE = "after_commit"
_RUNNING = "after_commit_running"


class OutboxSession(FlaskSession):
    """A session whose commit then runs what was queued to happen after it."""

    def commit(self) -> None:
        super().commit()
        if self.in_transaction() or self.info.get(_RUNNING):
            return  # a savepoint, or a task's own commit: the outer run picks up anything it queued
        self.info[_RUNNING] = True
        try:
            while queued := self.info.pop(_QUEUE, []):
                for task, args in queued:
                    try:
                        task(*args)
                        super().commit()
                    except Exception:
                        super().rollback()
                        log.exception("After-commit task %s%r failed", getattr(task, "__name__", task), args)
        finally:
            self.info.pop(_RUNNING, None)

    def rollback(self) -> None:
        super().rollback()
        if not self.info.get(_RUNNING):
            self.info.pop(_QUEUE, None)  # what the rolled-back change asked for never happens


def after_commit(task: Callable[..., object], *args) -> None:
    """Run ``task(*args)`` once the current transaction commits (never if it rolls back)."""
    current_app.extensions["sqlalchemy"].session().info.setdefault(_QUEUE, []).append((task, args))
