"""The failure-mode catalog: kinds of integration failure, kept as data files."""
