"""Input and output: atomic writes and the one-writer locks every output goes through on disk, and
user text made safe to print on a terminal (``terminal.shown``)."""
