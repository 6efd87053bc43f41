"""Load failure modes: the built-in data files, then the workspace's ``catalog/*.yaml``.

Every file holds one mode and is validated like the estate (file:line:col: path: message), and
every problem in every file is reported at once. A workspace mode whose id is already built in
is an error unless it says ``overrides: true``: replacing a built-in mode is allowed but must be
deliberate, so a copy-paste never silently shadows the shipped definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from flowdrill.catalog.model import Catalog, FailureMode
from flowdrill.errors import InvalidFiles, Problem
from flowdrill.yamlfile import read_yaml_file, validate_document

SUFFIXES = (".yaml", ".yml")


def builtin_dir() -> Path:
    return Path(str(resources.files("flowdrill.catalog") / "modes"))


def mode_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def _read(
    files: Sequence[Path], relative_to: Path | None
) -> tuple[list[tuple[str, FailureMode]], list[Problem], dict[str, tuple[int | None, int | None]]]:
    modes: list[tuple[str, FailureMode]] = []
    problems: list[Problem] = []
    id_positions: dict[str, tuple[int | None, int | None]] = {}
    for path in files:
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        doc, found = read_yaml_file(path, name=name)
        if found:
            problems.extend(found)
            continue
        try:
            mode = validate_document(doc, FailureMode)
        except InvalidFiles as exc:
            problems.extend(exc.problems)
            continue
        id_positions[name] = doc.where(("id",))
        modes.append((name, mode))
    return modes, problems, id_positions


def load_catalog(extra: Sequence[Path] = (), *, relative_to: Path | None = None) -> Catalog:
    """Built-in modes plus the modes in the ``extra`` folders; raise with every problem."""
    builtin, problems, _ = _read(mode_files(builtin_dir()), None)
    catalog = Catalog()
    for name, mode in builtin:
        catalog.modes[mode.id] = mode
        catalog.origin[mode.id] = f"built-in ({Path(name).name})"
    builtin_ids = set(catalog.modes)
    files = [f for folder in extra for f in mode_files(folder)]
    own, found, positions = _read(files, relative_to)
    problems.extend(found)
    seen: dict[str, str] = {}
    for name, mode in own:
        line, column = positions[name]
        if mode.id in seen:
            problems.append(
                Problem(
                    name, line, column, "id", f"mode {mode.id!r} is also defined in {seen[mode.id]}"
                )
            )
            continue
        seen[mode.id] = name
        if mode.id in builtin_ids and not mode.overrides:
            problems.append(
                Problem(
                    name,
                    line,
                    column,
                    "id",
                    f"mode {mode.id!r} is built in; choose another id, or set 'overrides: true' "
                    "to replace the built-in mode",
                )
            )
            continue
        catalog.modes[mode.id] = mode
        catalog.origin[mode.id] = name
    if problems:
        raise InvalidFiles(problems)
    catalog.modes = dict(sorted(catalog.modes.items()))
    return catalog
