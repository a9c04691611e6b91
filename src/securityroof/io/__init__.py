"""Input and output on disk: atomic writes and the one-writer locks every output goes through."""
