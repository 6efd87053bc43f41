"""Jinja2 set-up: autoescaping on for every template, plus a few display filters."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates


def minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} min"


def clock(value: float) -> str:
    seconds = round(value * 60)
    return f"T+{seconds // 60:02d}:{seconds % 60:02d}"


def label(value: str | None) -> str:
    return "" if value is None else str(value).replace("_", " ")


def make_templates(folder: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(folder))
    env = templates.env
    env.autoescape = True  # every template, whatever its file name
    env.filters.update(minutes=minutes, clock=clock, label=label)
    env.globals["RATINGS"] = {
        "P": "Performed without challenges",
        "S": "Performed with some challenges",
        "M": "Performed with major challenges",
        "U": "Unable to be performed",
    }
    return templates
