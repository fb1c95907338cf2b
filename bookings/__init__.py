"""Places: capacity, booking, waiting lists, card-payment holds, registers and the availability API.

The only area that takes the capacity lock. It builds on providers (offers and sessions) and budgets (money);
neither of them imports it."""
