"""flowdrill: tabletop exercises for failures of no-code / low-code integrations."""

__version__ = "0.1.0"
