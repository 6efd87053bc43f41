"""Exercises: plans, and (later) the event log and state machine of a live drill."""
