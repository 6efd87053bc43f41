"""Read and write estate files: YAML, one file or a folder of files merged by id.

A file holds any of the collections of :class:`Estate` (``teams``, ``flows`` ...). Files are
merged in path order; an id defined twice is an error, except in files written by
``flowdrill import`` (marked by a top-level ``generated`` section): their entities are defaults,
so a system that many imported workflows share, or that a hand-written file describes better,
is kept once and the first (hand-written first) definition wins. A file may also hold an ``overlay``
section: partial entities (``id`` plus the fields to set) applied on top of entities defined
elsewhere, typically hand-written owners and criticality on top of imported flows, so that
re-importing never loses them. Lists of entities with ids (a flow's steps) merge by id. An
imported system, credential, dataset or platform that overlays leave unused (a step pointed at
the hand-written system instead) is dropped: it was only ever the importer's guess.

Every problem in every file is reported at once, with file, line, column and path.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from flowdrill.errors import InvalidFiles, Problem
from flowdrill.estate.model import COLLECTIONS, Estate, Ref
from flowdrill.estate.references import check_references
from flowdrill.yamlfile import (
    MAX_FILE_BYTES,
    Located,
    data_path,
    describe_error,
    dump_yaml,
    format_path,
    parse_yaml,
    read_yaml_file,
)

YAML_SUFFIXES = (".yaml", ".yml")
TOP_LEVEL = ("name", "description", *COLLECTIONS, "overlay", "generated")
#: Generated entities that overlays can make unnecessary (flows and the rest never are).
RETIRABLE = ("platforms", "systems", "datasets", "credentials")


def _key(collection: str, item: dict[str, Any]) -> Any:
    return item.get("touchpoint" if collection == "raci" else "id")


@dataclass
class _Origin:
    located: Located
    path: tuple[str | int, ...]


class _Merger:
    """Collects entities from parsed files, remembering where each came from."""

    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {c: [] for c in COLLECTIONS}
        self.origins: dict[str, list[list[_Origin]]] = {c: [] for c in COLLECTIONS}
        self.scalars: dict[str, tuple[Any, Located]] = {}
        self.overlays: list[tuple[str, dict[str, Any], _Origin]] = []
        self.defaults: list[tuple[str, Any, _Origin]] = []
        self.weak: list[tuple[str, int]] = []  # (collection, index) of generated entities
        self.problems: list[Problem] = []

    def add(self, doc: Located) -> None:
        if doc.data is None:
            return
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem((), "an estate file must be a mapping of sections"))
            return
        generated = "generated" in doc.data
        for key, value in doc.data.items():
            if key == "generated":
                continue
            if key in ("name", "description"):
                self._scalar(doc, key, value)
            elif key == "overlay":
                self._overlay(doc, value)
            elif key in COLLECTIONS:
                for i, item in self._items(doc, (key,), value):
                    if generated:
                        self.defaults.append((key, item, _Origin(doc, (key, i))))
                    else:
                        self.items[key].append(item)
                        self.origins[key].append([_Origin(doc, (key, i))])
            else:
                self.problems.append(doc.problem((key,), _unknown_key(key, TOP_LEVEL), at_key=True))

    def _scalar(self, doc: Located, key: str, value: Any) -> None:
        if key in self.scalars and self.scalars[key][0] != value:
            other = self.scalars[key][1]
            line, _ = other.where((key,))
            self.problems.append(
                doc.problem(
                    (key,),
                    f"{key} is already set to {self.scalars[key][0]!r} in {other.file}:{line}",
                )
            )
        else:
            self.scalars[key] = (value, doc)

    def _items(
        self, doc: Located, path: tuple[str | int, ...], value: Any
    ) -> Iterable[tuple[int, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(doc.problem(path, f"{path[-1]} must be a list"))
            return []
        return enumerate(value)

    def _overlay(self, doc: Located, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.problems.append(doc.problem(("overlay",), "overlay must be a mapping of sections"))
            return
        for collection, entries in value.items():
            if collection not in COLLECTIONS:
                self.problems.append(
                    doc.problem(
                        ("overlay", collection), _unknown_key(collection, COLLECTIONS), at_key=True
                    )
                )
                continue
            for i, entry in self._items(doc, ("overlay", collection), entries):
                path = ("overlay", collection, i)
                if not isinstance(entry, dict) or _key(collection, entry) is None:
                    self.problems.append(
                        doc.problem(path, "an overlay entry needs the id of what it changes")
                    )
                    continue
                self.overlays.append((collection, entry, _Origin(doc, path)))

    def add_defaults(self) -> None:
        """Entities of generated files, unless something already defines the same id."""
        known = {
            c: {_key(c, item) for item in self.items[c] if isinstance(item, dict)}
            for c in COLLECTIONS
        }
        for collection, item, origin in self.defaults:
            key = _key(collection, item) if isinstance(item, dict) else None
            if key is not None and key in known[collection]:
                continue
            known[collection].add(key)
            self.weak.append((collection, len(self.items[collection])))
            self.items[collection].append(item)
            self.origins[collection].append([origin])

    def apply_overlays(self) -> None:
        for collection, entry, origin in self.overlays:
            index = {
                _key(collection, item): n
                for n, item in enumerate(self.items[collection])
                if isinstance(item, dict)
            }
            target = _key(collection, entry)
            if target not in index:
                self.problems.append(
                    origin.located.problem(
                        (*origin.path, "id"),
                        f"overlay for unknown {collection.rstrip('s')} {target!r}",
                    )
                )
                continue
            n = index[target]
            self.items[collection][n] = _deep_merge(self.items[collection][n], entry)
            self.origins[collection][n].insert(0, origin)

    def references(self, skip: frozenset[tuple[str, int]] = frozenset()) -> set[str]:
        """The ids entities name in their reference fields (flows, steps, touchpoint parts...)."""
        found: set[str] = set()
        for collection in COLLECTIONS:
            for n, item in enumerate(self.items[collection]):
                if (collection, n) in skip:
                    continue
                found.update(_referenced(item))
        return found

    def retire_orphans(self, before: set[str]) -> None:
        """Drop generated entities that were in use before the overlays and are not after."""
        candidates = {
            (c, n)
            for c, n in self.weak
            if c in RETIRABLE
            and isinstance(self.items[c][n], dict)
            and _key(c, self.items[c][n]) in before
        }
        retired: frozenset[tuple[str, int]] = frozenset()
        while candidates - retired:
            live = self.references(retired)
            orphans = {
                (c, n) for c, n in candidates - retired if _key(c, self.items[c][n]) not in live
            }
            if not orphans:
                break
            retired |= orphans
        for collection in RETIRABLE:
            keep = [n for n in range(len(self.items[collection])) if (collection, n) not in retired]
            self.items[collection] = [self.items[collection][n] for n in keep]
            self.origins[collection] = [self.origins[collection][n] for n in keep]

    def locate(self, path: tuple[str | int, ...], message: str, *, at_key: bool = False) -> Problem:
        """Turn a path in the merged estate into a problem in the right file."""
        if len(path) >= 2 and path[0] in self.origins and isinstance(path[1], int):
            origins = self.origins[str(path[0])][path[1]]
            rest = path[2:]
            for origin in origins:  # overlays first: they set the value that is wrong
                if (*origin.path, *rest) in origin.located.positions:
                    return origin.located.problem((*origin.path, *rest), message, at_key=at_key)
            base = origins[-1]
            return base.located.problem((*base.path, *rest), message)
        source = self.scalars.get(str(path[0]), (None, None))[1] if path else None
        if source is not None:
            return source.problem(path, message, at_key=at_key)
        return Problem("<estate>", None, None, format_path(path), message)


def _holds_ref(annotation: Any) -> bool:
    """Does ``Annotated[str, Ref]``, ``list[...]`` or ``... | None`` carry a :class:`Ref`?"""
    if any(isinstance(meta, Ref) for meta in getattr(annotation, "__metadata__", ())):
        return True
    return any(_holds_ref(arg) for arg in getattr(annotation, "__args__", ()))


@functools.cache
def _reference_fields() -> frozenset[str]:
    """Names of the fields, in any estate model, that hold ids of other entities."""
    names: set[str] = set()
    seen: set[type] = set()
    stack: list[Any] = [Estate]
    while stack:
        annotation = stack.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.add(annotation)
                for name, info in annotation.model_fields.items():
                    if any(isinstance(m, Ref) for m in info.metadata) or _holds_ref(
                        info.annotation
                    ):
                        names.add(name)
                    stack.append(info.annotation)
        else:
            stack.extend(getattr(annotation, "__args__", ()))
    return frozenset(names)


def _referenced(item: Any) -> Iterable[str]:
    """Ids named in the reference fields of raw entity data; touchpoint keys by their parts."""
    fields = _reference_fields()
    stack = [item]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key not in fields:
                    stack.append(inner)
                    continue
                for ref in inner if isinstance(inner, list) else [inner]:
                    if isinstance(ref, str):
                        yield ref
                        yield from ref.split("/")


def _keyed(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "id" in i for i in items)


def _deep_merge(base: Any, patch: Any) -> Any:
    """Mappings merge key by key; lists of entities with ids (a flow's steps) merge by id, so
    an overlay can add touchpoints to one imported step; any other value is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _deep_merge(base.get(key), value) if key in base else value
        return merged
    if base and patch and _keyed(base) and _keyed(patch):
        by_id = {item["id"]: item for item in patch}
        merged_list = [_deep_merge(item, by_id.pop(item["id"], {})) for item in base]
        return merged_list + list(by_id.values())
    return patch


def _unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
    return f"unknown section {key!r}; {hint}"


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _item_adapter(collection: str) -> TypeAdapter[Any]:
    """Validator for one entity of ``collection`` (``flows`` -> ``Flow``)."""
    if collection not in _ADAPTERS:
        (item_type,) = Estate.model_fields[collection].annotation.__args__  # type: ignore[union-attr]
        _ADAPTERS[collection] = TypeAdapter(item_type)
    return _ADAPTERS[collection]


def build_estate(documents: Sequence[Located]) -> Estate:
    """Merge parsed documents into a validated estate, or raise with every problem found."""
    merger = _Merger()
    for doc in documents:
        merger.add(doc)
    merger.add_defaults()
    if merger.overlays and merger.weak:
        before = merger.references()
        merger.apply_overlays()
        merger.retire_orphans(before)
    else:
        merger.apply_overlays()
    problems = list(merger.problems)

    fields: dict[str, Any] = {k: v for k, (v, _) in merger.scalars.items()}
    for key in ("name", "description"):
        if key in fields and not isinstance(fields[key], str):
            problems.append(merger.locate((key,), f"{key} must be text"))
            del fields[key]
    # Validate entity by entity, so every problem is reported in one go: an invalid entity is
    # salvaged without its wrong fields to check the references it holds, and the ids of
    # entities that cannot be salvaged still count as known. ``kept`` maps an index in the
    # estate to one in the files.
    kept: dict[str, list[int]] = {}
    rejected: dict[str, set[str]] = {"touchpoints": set()}
    for collection in COLLECTIONS:
        adapter = _item_adapter(collection)
        valid, kept[collection] = [], []
        for n, item in enumerate(merger.items[collection]):
            try:
                valid.append(adapter.validate_python(item))
                kept[collection].append(n)
            except ValidationError as exc:
                paths = []
                for error in exc.errors():
                    path = data_path(item, error["loc"])
                    paths.append(path)
                    problems.append(
                        merger.locate(
                            (collection, n, *path),
                            describe_error(error),
                            at_key=error["type"] == "extra_forbidden",
                        )
                    )
                salvaged = _salvage(adapter, item, paths)
                if salvaged is not None:
                    valid.append(salvaged)
                    kept[collection].append(n)
                else:
                    _remember_ids(rejected, collection, item)
        fields[collection] = valid

    estate = Estate.model_construct(**fields)

    def in_files(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        collection, n, *rest = path
        return (collection, kept[str(collection)][int(n)], *rest)

    for ref in check_references(estate, rejected):
        message = ref.message
        if ref.also_at is not None:
            first = merger.locate(in_files(ref.also_at), "")
            message += f" (first defined at {first.file}:{first.line})"
        problems.append(merger.locate(in_files(ref.path), message))
    if problems:
        raise InvalidFiles(problems)
    return Estate(**fields)


def _salvage(adapter: TypeAdapter[Any], item: Any, paths: list[tuple[str | int, ...]]) -> Any:
    """The entity without its wrong fields, if that is valid; otherwise None."""
    pruned = copy.deepcopy(item)
    for path in sorted(paths, key=len, reverse=True):
        parent: Any = pruned
        for part in path[:-1]:
            if isinstance(parent, dict):
                parent = parent.get(part)
            elif isinstance(parent, list) and isinstance(part, int) and part < len(parent):
                parent = parent[part]
        if isinstance(parent, dict) and path and path[-1] in parent:
            parent.pop(path[-1])
    try:
        return adapter.validate_python(pruned)
    except (ValidationError, KeyError, IndexError, TypeError):
        return None


def _remember_ids(known: dict[str, set[str]], collection: str, item: Any) -> None:
    """Note the ids an invalid entity would have defined (flow touchpoints included)."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return
    known.setdefault(collection, set()).add(item["id"])
    if collection == "flows" and isinstance(item.get("steps"), list):
        for step in item["steps"]:
            for touch in step.get("touchpoints") or [] if isinstance(step, dict) else []:
                if isinstance(touch, dict):
                    known["touchpoints"].add(
                        f"{item['id']}/{step.get('id')}/{touch.get('dataset')}"
                    )


def estate_files(path: Path) -> list[Path]:
    """The YAML files that make up an estate at ``path`` (a file or a folder)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    return [path]


def read_documents(
    paths: Sequence[Path],
    *,
    relative_to: Path | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[Located]:
    """Read and parse files; unreadable or malformed files raise with every problem at once."""
    documents: list[Located] = []
    problems: list[Problem] = []
    for path in paths:
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        doc, found = read_yaml_file(path, name=name, max_bytes=max_bytes)
        problems.extend(found)
        documents.append(doc)
    if problems:
        raise InvalidFiles(problems)
    return documents


def load_estate(
    paths: Sequence[Path], *, relative_to: Path | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Estate:
    files = [f for p in paths for f in estate_files(p)]
    return build_estate(read_documents(files, relative_to=relative_to, max_bytes=max_bytes))


def parse_estate(text: str, file: str = "<estate>") -> Estate:
    """Parse one estate document from text (tests, stdin)."""
    doc, problems = parse_yaml(text, file)
    if problems:
        raise InvalidFiles(problems)
    return build_estate([doc])


def estate_to_data(estate: BaseModel) -> dict[str, Any]:
    data = estate.model_dump(mode="json", exclude_defaults=True)
    return {k: v for k, v in data.items() if v not in ([], None)}


def dump_estate(estate: Estate) -> str:
    """The estate as one YAML document that :func:`parse_estate` reads back equal."""
    return dump_yaml(estate_to_data(estate))
