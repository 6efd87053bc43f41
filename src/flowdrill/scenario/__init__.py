"""Scenarios: failure modes bound to estate targets, with injects, prompts and expectations."""
