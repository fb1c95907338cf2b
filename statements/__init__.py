"""The Short Breaks Statement and its PDF (built in a later issue)."""
