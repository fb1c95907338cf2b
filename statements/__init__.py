"""The Short Breaks Statement: versions, sections per language, consultation, publishing, and its PDF."""
