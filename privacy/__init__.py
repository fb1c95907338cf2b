"""Families own their data (UK GDPR Articles 15, 17 and 20): the privacy notice, "Your data" (download
everything the portal holds about a family), deleting an account or removing a child where the law allows, and
the retention task that anonymises records once they have been kept for as long as the notice says."""
