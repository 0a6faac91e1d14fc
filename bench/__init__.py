"""``make bench``: performance figures, written to ``bench/results.json``."""
