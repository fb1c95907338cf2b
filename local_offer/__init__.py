"""The local offer: the public catalogue of short breaks and its search."""
