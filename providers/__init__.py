"""Provider organisations, their offers and sessions, capacity, waiting lists and attendance."""
