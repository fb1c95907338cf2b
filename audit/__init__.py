"""Reading the audit trail: the commissioners' and administrators' audit screen (with its CSV), and the page
where a family sees who has looked at their child's record. Writing to the trail is portal's (portal.audit)."""
