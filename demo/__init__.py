"""The demo builder: a realistic area (people, providers, offers, sessions, bookings, money and the statement) for
trying the portal and for the benchmarks. It uses the areas own services and the ledgers posting code."""
