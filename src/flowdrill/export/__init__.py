"""Exports of a plan: Markdown handout and facilitator guide, Chaos Toolkit experiment."""
