"""The Open Referral UK (v3) feed: the public local offer as a read-only directory feed under /openreferral/v3/,
for councils' directories and national aggregators.

Offers are published as services, providers as organisations, venues as locations, sessions and series as
schedules, prices as cost options, and the portal's vocabularies (tiers, needs, accessibility features, kinds of
break) as taxonomies. Only what the local offer itself shows anyone is published; nothing about children,
families or bookings. The standard is Open Referral UK's profile of HSDS 3 (CC BY-SA 4.0, see the README)."""
