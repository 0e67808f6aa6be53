"""Load the instrument and topic files into the library tables, all or nothing.

Every file is parsed and validated before anything is written, and the writes share one
transaction, so a bad file leaves the library exactly as it was. Loading unchanged files writes
nothing. A version given to a couple (`InstrumentVersion.in_use()`) can never change: the author
must bump `version`, and the old version stays as it was for the couples who answered it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.library.validation import (
    DefinitionError,
    content_hash,
    validate_instrument,
    validate_topics,
)
from assessments.models import Instrument, InstrumentVersion, Topic

APP_DIR = Path(__file__).resolve().parent
INSTRUMENTS_DIR = APP_DIR / "instruments"
TOPICS_FILE = APP_DIR / "topics.yaml"
TOPICS_FILE_NAME = TOPICS_FILE.name


class Status(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class FileResult:
    path: Path
    kind: Literal["instrument", "topics"]
    slug: str
    version: int
    status: Status
    count: int

    def __str__(self) -> str:
        if self.kind == "topics":
            what = f"{self.count} topics, version {self.version}"
        else:
            what = f"{self.slug} version {self.version}, {self.count} items"
        return f"{self.path.name}: {what}: {self.status}"


@dataclass(frozen=True, slots=True)
class LoadReport:
    files: tuple[FileResult, ...]

    def __iter__(self) -> Iterator[FileResult]:
        return iter(self.files)

    @property
    def changed(self) -> bool:
        return any(result.status != Status.UNCHANGED for result in self.files)

    def status_of(self, slug: str) -> Status:
        return next(result.status for result in self.files if result.slug == slug)


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: Path
    definition: dict[str, Any]


def default_paths() -> list[Path]:
    return [TOPICS_FILE, *sorted(INSTRUMENTS_DIR.glob("*.yaml"))]


def load_library(paths: Sequence[Path] | None = None) -> LoadReport:
    """Validate the given files (default: the shipped library) and write them in one transaction.

    The topic library is always part of a load, because instruments name its topics: the
    `topics.yaml` among `paths`, or the shipped one when none is given. Raises `DefinitionError`
    for the first broken rule; nothing is written then.
    """
    # Only a load of the whole shipped library knows every area a topic may name.
    whole_library = paths is None
    topics_path, instrument_paths = _split(default_paths() if paths is None else paths)
    topics_data = _read(topics_path)
    topics = validate_topics(topics_data, source=topics_path.name, known_areas=None)
    known_topics = {topic["slug"] for topic in topics}
    instruments = [
        _Parsed(path, validate_instrument(_read(path), source=path.name, known_topics=known_topics))
        for path in instrument_paths
    ]
    _check_slugs(instruments)
    if whole_library:
        areas = {area["slug"] for parsed in instruments for area in parsed.definition["areas"]}
        validate_topics(topics_data, source=topics_path.name, known_areas=areas)

    with transaction.atomic():
        results = [_write_topics(topics_path, topics_data["version"], topics)]
        results.extend(_write_instrument(parsed) for parsed in instruments)
    return LoadReport(tuple(results))


def _split(paths: Sequence[Path]) -> tuple[Path, list[Path]]:
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    topics_files = [path for path in files if path.name == TOPICS_FILE_NAME]
    if len(topics_files) > 1:
        raise DefinitionError(
            topics_files[1].name, None, None, "more than one topics file in one load"
        )
    topics_path = topics_files[0] if topics_files else TOPICS_FILE
    instrument_paths = [path for path in files if path.name != TOPICS_FILE_NAME]
    unique: dict[Path, Path] = {}
    for path in instrument_paths:
        unique.setdefault(path.resolve(), path)
    return topics_path, list(unique.values())


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice, which plain YAML silently resolves to the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"field {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(path.name, None, None, f"file not found ({path})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError(path.name, None, None, f"cannot be read: {error}") from error
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise DefinitionError(path.name, None, None, _yaml_message(error)) from error


def _yaml_message(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _check_slugs(instruments: Sequence[_Parsed]) -> None:
    seen: dict[str, Path] = {}
    for parsed in instruments:
        slug = parsed.definition["slug"]
        # A copied file whose slug was not changed would otherwise overwrite the original.
        if slug != parsed.path.stem:
            raise DefinitionError(
                parsed.path.name,
                None,
                "slug",
                f"must match the file name {parsed.path.stem!r} (got {slug!r})",
            )
        if slug in seen:
            raise DefinitionError(
                parsed.path.name, None, "slug", f"{slug!r} is also loaded from {seen[slug]}"
            )
        seen[slug] = parsed.path


def _write_topics(path: Path, version: int, topics: Sequence[Mapping[str, Any]]) -> FileResult:
    existing = {topic.slug: topic for topic in Topic.objects.select_for_update()}
    created = updated = 0
    for data in topics:
        fields = {key: data[key] for key in ("title", "areas", "triggers", "why", "steps")}
        digest = content_hash(dict(data))
        row = existing.pop(data["slug"], None)
        if row is None:
            Topic.objects.create(slug=data["slug"], content_hash=digest, **fields)
            created += 1
        elif row.content_hash != digest:
            for name, value in fields.items():
                setattr(row, name, value)
            row.content_hash = digest
            row.save()
            updated += 1
    # The file is the library: a topic taken out of it must stop being suggested.
    removed = Topic.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()[0]
    if created == len(topics) and not removed:
        status = Status.CREATED
    elif created or updated or removed:
        status = Status.UPDATED
    else:
        status = Status.UNCHANGED
    return FileResult(path, "topics", path.stem, version, status, len(topics))


def _write_instrument(parsed: _Parsed) -> FileResult:
    definition = parsed.definition
    slug, version = definition["slug"], definition["version"]
    source = parsed.path.name
    digest = content_hash(definition)
    fields = {
        "title": definition["title"],
        "description": definition["description"],
        "client_intro": definition["client_intro"],
        "purpose": definition["purpose"],
        "licence": definition["licence"],
        "authors": definition["authors"],
        "source": definition["source"],
        "estimated_minutes": definition["estimated_minutes"],
        "shuffle_items": definition["shuffle_items"],
        "definition": definition,
        "content_hash": digest,
        "item_count": len(definition["items"]),
    }
    instrument, _ = Instrument.objects.get_or_create(
        slug=slug, defaults={"title": definition["title"]}
    )
    row = (
        InstrumentVersion.objects.select_for_update()
        .filter(instrument=instrument, version=version)
        .first()
    )
    if row is None:
        highest = instrument.versions.aggregate(highest=Max("version"))["highest"]
        # A lower number would load silently but never become the current version.
        if highest is not None and version < highest:
            raise DefinitionError(
                source,
                None,
                "version",
                f"version {version} is older than the loaded version {highest}; "
                f"use version {highest + 1}",
            )
        InstrumentVersion.objects.create(
            instrument=instrument, version=version, loaded_at=timezone.now(), **fields
        )
        status = Status.CREATED
    elif row.content_hash == digest:
        status = Status.UNCHANGED
    elif row.in_use():
        raise DefinitionError(
            source,
            None,
            None,
            f"version {version} is already in use by couples; bump 'version' to change it",
        )
    else:
        # Never given to anyone, so correcting it in place loses nothing.
        for name, value in fields.items():
            setattr(row, name, value)
        row.loaded_at = timezone.now()
        row.save()
        status = Status.UPDATED
    if status != Status.UNCHANGED and instrument.title != definition["title"]:
        current = instrument.current_version()
        if current is not None and current.version == version:
            instrument.title = definition["title"]
            instrument.save(update_fields=["title"])
    return FileResult(parsed.path, "instrument", slug, version, status, len(definition["items"]))
