"""Calendars (RFC 5545): a family's bookings and a provider's sessions at private addresses, each offer's upcoming
sessions in public, and the links families and providers' admins make and reset for them."""
