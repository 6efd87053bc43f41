"""Runbooks: structured steps, and the autopilot that plays them in a drill."""
