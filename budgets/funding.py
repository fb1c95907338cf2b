"""How a place is paid for: a step in booking that each funding method plugs into.

The money issue adds council-funded places, personal budgets, direct payments and card payment
as further methods; booking and cancelling call the same hooks for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FundingMethod:
    code: str
    label: str
    hint: str

    def available_for(self, offer) -> bool:
        raise NotImplementedError

    def price_for(self, offer) -> int:
        return offer.price_pence

    def on_book(self, booking, by) -> None:
        """Called inside the booking transaction once the booking row exists."""

    def on_release(self, booking, by, reason: str) -> None:
        """Called inside the cancelling transaction: release or refund by the same route."""


class Free(FundingMethod):
    def available_for(self, offer) -> bool:
        return offer.price_pence == 0

    def price_for(self, offer) -> int:
        return 0


class PayProvider(FundingMethod):
    def available_for(self, offer) -> bool:
        return offer.price_pence > 0


_METHODS: dict[str, FundingMethod] = {}


def register(method: FundingMethod) -> FundingMethod:
    _METHODS[method.code] = method
    return method


register(Free("free", "Free", "There is nothing to pay."))
register(PayProvider("pay_provider", "Pay the provider directly", "The provider will tell you how to pay them."))


def methods_for(offer) -> list[FundingMethod]:
    return [m for m in _METHODS.values() if m.available_for(offer)]


def get(code: str) -> FundingMethod | None:
    return _METHODS.get(code)
