"""The physics: pure SI numpy (and its compiled kernels), no files, no catalog, no words for a terminal."""
