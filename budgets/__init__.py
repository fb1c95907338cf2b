"""Envelopes, personal budgets, direct payments, the ledger and Stripe."""
