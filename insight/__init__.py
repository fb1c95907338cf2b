"""What the money achieved and what is missing, for commissioners: fill and uptake, unmet demand (and, in
``feedback``, what families said). Reads every area below it; nothing below it reads it."""
