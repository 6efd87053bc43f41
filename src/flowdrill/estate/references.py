"""Cross-reference checks: every id an entity names must exist, and ids must be unique.

Fields carry a :class:`~flowdrill.estate.model.Ref` annotation, so this module needs no list of
which field points where: it walks the models and resolves what it finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel

from flowdrill.estate.model import COLLECTIONS, Estate, Flow, Ref

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class RefProblem:
    """A problem found in a valid-shaped estate, located by its path in the merged estate."""

    path: Path
    message: str
    also_at: Path | None = None  # e.g. where a duplicated id was first defined


def _ref_in(annotation: Any) -> Ref | None:
    """Find a Ref in ``Annotated[str, Ref]``, ``list[...]`` or ``... | None``."""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Ref):
            return meta
    return next(filter(None, map(_ref_in, getattr(annotation, "__args__", ()))), None)


def _ref_of(field_info: Any) -> Ref | None:
    own = next((m for m in field_info.metadata if isinstance(m, Ref)), None)
    return own or _ref_in(field_info.annotation)


def _walk(model: BaseModel, path: Path) -> Iterator[tuple[Path, Ref, str]]:
    """Yield (path, ref, value) for each reference held by ``model`` and its children."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        target = _ref_of(info)
        if target is not None:
            if isinstance(value, str):
                yield (*path, name), target, value
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield (*path, name, i), target, item
            continue
        if isinstance(value, BaseModel):
            yield from _walk(value, (*path, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _walk(item, (*path, name, i))


def _namespaces(estate: Estate, also_known: dict[str, set[str]]) -> dict[str, set[str]]:
    spaces = {name: set(estate.by_id(name)) for name in COLLECTIONS if name != "raci"}
    spaces["touchpoints"] = set(estate.touchpoint_keys())
    for name, ids in also_known.items():
        spaces[name] = spaces.get(name, set()) | ids
    spaces["parties"] = spaces["teams"] | spaces["people"]
    return spaces


def _duplicates(estate: Estate) -> Iterator[RefProblem]:
    for name in COLLECTIONS:
        seen: dict[str, int] = {}
        for i, entity in enumerate(getattr(estate, name)):
            key = entity.touchpoint if name == "raci" else entity.id
            if key in seen:
                field = "touchpoint" if name == "raci" else "id"
                yield RefProblem(
                    (name, i, field), f"duplicate id {key!r} in {name}", (name, seen[key], field)
                )
            else:
                seen[key] = i
    team_person = {t.id for t in estate.teams} & {p.id for p in estate.people}
    for i, person in enumerate(estate.people):
        if person.id in team_person:
            yield RefProblem(
                ("people", i, "id"),
                f"id {person.id!r} is used by a team and a person; references would be ambiguous",
            )


def _unknown(kind: str, value: str, known: set[str]) -> str:
    label = {"steps": "step in this flow", "parties": "team or person"}.get(kind, kind.rstrip("s"))
    message = f"unknown {label} {value!r}"
    close = get_close_matches(value, sorted(known), n=1)
    return message + (f" (did you mean {close[0]!r}?)" if close else "")


def check_references(
    estate: Estate, also_known: dict[str, set[str]] | None = None
) -> list[RefProblem]:
    """Every problem at once: duplicate ids and references to things that do not exist.

    ``also_known`` adds ids of entities that exist but failed validation, so one typo does not
    also show up as a string of unknown references.
    """
    problems = list(_duplicates(estate))
    spaces = _namespaces(estate, also_known or {})
    for name in COLLECTIONS:
        for i, entity in enumerate(getattr(estate, name)):
            steps = {s.id for s in entity.steps} if isinstance(entity, Flow) else set()
            for path, ref, value in _walk(entity, (name, i)):
                known = steps if ref.target == "steps" else spaces[ref.target]
                if value not in known:
                    problems.append(RefProblem(path, _unknown(ref.target, value, known)))
    return problems
