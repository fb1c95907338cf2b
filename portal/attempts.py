"""One place that turns a service call into a unit of work for a view: commit when it succeeds; when it refuses
with a DomainError, roll back and show its message (in the form's error summary, or as a flash message) with the
status that error class always has."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from .errors import DomainError
from .extensions import db


# Called with each refusal that is a sign of unmet demand, after its change has been rolled back (bookings.demand).
UNMET_LISTENERS: list[Callable[[dict], None]] = []


@dataclass
class Attempt:
    ok: bool = False
    problem: DomainError | None = None
    status: int = 200


@contextmanager
def attempt(form=None) -> Iterator[Attempt]:
    """``with attempt(form) as done: service(...)``, then ``if done.ok: return redirect(...)``.

    Emails and refunds the service queued leave after the commit (``portal.outbox``); a refusal drops them."""
    done = Attempt()
    try:
        yield done
    except DomainError as problem:
        db.session.rollback()
        done.problem, done.status = problem, problem.status
        if problem.unmet:
            for listener in UNMET_LISTENERS:
                listener(problem.unmet)
            db.session.commit()  # what the listeners noted, on its own: the refused change is gone
        if form is not None:
            form.form_errors.append(str(problem))
        else:
            flash(str(problem), "error")
    else:
        db.session.commit()
        done.ok = True


def form_status(form, done: Attempt | None = None) -> int:
    """The status of a page showing a form: the refusal's, 422 for answers that did not validate, else 200."""
    if done is not None and done.problem is not None:
        return done.status
    return 422 if form.errors else 200
