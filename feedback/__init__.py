"""Feedback after a break: families (and young people with their own account) say how it went, providers reply in
public, commissioners read it by provider, offer, tier and locality and can hide a comment, and offer pages show
the average rating and recent comments once there are enough to keep families anonymous."""
