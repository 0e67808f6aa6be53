"""Validation of instrument and topic files into normalised, default-complete dicts.

Pure Python (no Django): the loader calls these on the parsed YAML, and the result is what gets
stored in `InstrumentVersion.definition`. The first broken rule raises `DefinitionError`, whose
message names the file, the item or area, and the field, so a content author can fix it without
reading code. See `instruments/README.md` for the format.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, get_args

from assessments.engine import scoring

SLUG_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS: Final = get_args(scoring.Kind)
SENSITIVITIES: Final = get_args(scoring.Sensitivity)
TRIGGERS: Final = get_args(scoring.Trigger)
PURPOSES: Final = ("full", "screener", "factors", "checkin")
# Format 1 keyed items with `reverse`; format 2 states each item's healthy pole and knows the
# `wellbeing` and `flag` markers. Versions already given to couples may be in either.
FORMATS: Final = (1, 2)
HEALTHY_POLES: Final = {"agree": ("agree", "disagree"), "frequency": ("never", "very often")}
# The pole whose answer is 1 on the raw scale: such items are keyed k = 6 - x.
LOW_POLES: Final = frozenset({"disagree", "never"})
FLAG_RULES: Final = get_args(scoring.FlagRule)
WELLBEING_KINDS: Final = ("agree", "frequency")
MIN_AREA_ITEMS: Final = 4
SUM_TOLERANCE: Final = 0.001

_DEFAULT_PARAMS: Final = scoring.ScoringParams()
DEFAULT_WEIGHTS: Final = {
    "consensual": _DEFAULT_PARAMS.w_consensual,
    "perception_gap": _DEFAULT_PARAMS.w_perception_gap,
    "wellbeing_gap": _DEFAULT_PARAMS.w_wellbeing_gap,
    "strain": _DEFAULT_PARAMS.w_strain,
}
DEFAULT_BANDS: Final = {
    "watch": _DEFAULT_PARAMS.band_watch,
    "imbalanced": _DEFAULT_PARAMS.band_imbalanced,
    "severe": _DEFAULT_PARAMS.band_severe,
}

_INSTRUMENT_FIELDS: Final = (
    "slug",
    "format",
    "version",
    "title",
    "description",
    "client_intro",
    "purpose",
    "licence",
    "authors",
    "source",
    "estimated_minutes",
    "shuffle_items",
    "scoring",
    "areas",
    "items",
)
_SCORING_FIELDS: Final = (
    "weights",
    "bands",
    "strain_threshold",
    "coverage_min",
    "healthy_min",
    "meaningful_z",
    "disagreement_count",
    "overall_sd",
    "overall_reliability",
)
_AREA_FIELDS: Final = ("slug", "title", "description", "weight", "sd", "reliability", "topics")
_ITEM_FIELDS_V1: Final = ("id", "area", "kind", "text", "reverse", "sensitivity", "required")
_ITEM_FIELDS_V2: Final = (
    "id",
    "area",
    "kind",
    "text",
    "healthy",
    "sensitivity",
    "required",
    "wellbeing",
    "flag",
)
_TOPICS_FILE_FIELDS: Final = ("version", "topics")
_TOPIC_FIELDS: Final = ("slug", "title", "areas", "triggers", "why", "steps")

_MISSING: Final = object()


class DefinitionError(ValueError):
    """A library file breaks a rule; `str()` is the message shown to the content author."""

    def __init__(self, source: str, location: str | None, field: str | None, message: str) -> None:
        self.source = source
        self.location = location
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        context = [part for part in (self.location, self.field and f"field {self.field!r}") if part]
        where = f"{', '.join(context)}: " if context else ""
        return f"{self.source}: {where}{self.message}"


class _Checker:
    """Raises errors for one place in one file (the whole file, an area, an item or a topic)."""

    def __init__(self, source: str, location: str | None = None, prefix: str = "") -> None:
        self.source = source
        self.location = location
        self.prefix = prefix

    def at(self, location: str) -> _Checker:
        return _Checker(self.source, location)

    def nested(self, field: str) -> _Checker:
        return _Checker(self.source, self.location, f"{self.prefix}{field}.")

    def fail(self, field: str | None, message: str) -> DefinitionError:
        name = (self.prefix.rstrip(".") or None) if field is None else f"{self.prefix}{field}"
        return DefinitionError(self.source, self.location, name, message)

    def mapping(self, data: object, allowed: Iterable[str], what: str = "") -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            subject = f"{what} " if what else ""
            raise self.fail(None, f"{subject}must be a mapping (got {_type_name(data)})")
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                raise self.fail(str(key), f"unknown field (allowed: {', '.join(allowed)})")
        return data

    def get(self, data: Mapping[str, Any], field: str, default: object = _MISSING) -> Any:
        if field in data:
            return data[field]
        if default is _MISSING:
            raise self.fail(field, "is required")
        return default

    def text(self, data: Mapping[str, Any], field: str) -> str:
        value = self.get(data, field)
        if not isinstance(value, str):
            raise self.fail(field, f"must be text (got {_shown(value)})")
        value = value.strip()
        if not value:
            raise self.fail(field, "must not be empty")
        return value

    def slug(self, data: Mapping[str, Any], field: str) -> str:
        value = self.get(data, field)
        return self.slug_value(value, field)

    def slug_value(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not SLUG_PATTERN.match(value):
            raise self.fail(
                field,
                f"must be lowercase letters, digits and single hyphens (got {_shown(value)})",
            )
        return value

    def choice(self, data: Mapping[str, Any], field: str, allowed: tuple[str, ...]) -> str:
        value = self.get(data, field)
        if value not in allowed:
            raise self.fail(field, f"must be one of {', '.join(allowed)} (got {_shown(value)})")
        return str(value)

    def boolean(self, data: Mapping[str, Any], field: str, *, default: object = _MISSING) -> bool:
        value = self.get(data, field, default)
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false (got {_shown(value)})")
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        field: str,
        *,
        minimum: int,
        maximum: int | None = None,
        default: object = _MISSING,
    ) -> int:
        value = self.get(data, field, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            raise self.fail(field, f"{_integer_rule(minimum, maximum)} (got {_shown(value)})")
        return value

    def number(
        self,
        data: Mapping[str, Any],
        field: str,
        rule: Callable[[float], bool] | None = None,
        rule_text: str = "",
        *,
        default: object = _MISSING,
    ) -> float:
        value = self.get(data, field, default)
        if not _is_number(value):
            raise self.fail(field, f"must be a number (got {_shown(value)})")
        number = float(value)
        if rule is not None and not rule(number):
            raise self.fail(field, f"{rule_text} (got {_number(number)})")
        return number

    def sequence(
        self, data: Mapping[str, Any], field: str, *, default: object = _MISSING
    ) -> list[Any]:
        value = self.get(data, field, default)
        if not isinstance(value, list):
            raise self.fail(field, f"must be a list (got {_type_name(value)})")
        return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    names: dict[type, str] = {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _type_name(value)
    return repr(value)


def _number(value: float) -> str:
    return f"{value:g}"


def _integer_rule(minimum: int, maximum: int | None) -> str:
    if maximum is not None:
        return f"must be a whole number from {minimum} to {maximum}"
    if minimum == 1:
        return "must be a positive whole number"
    return f"must be a whole number >= {minimum}"


def _positive(value: float) -> bool:
    return value > 0


def _non_negative(value: float) -> bool:
    return value >= 0


def _open_unit(value: float) -> bool:
    return 0 < value < 1


def _sums_to_one(values: Iterable[float]) -> tuple[bool, float]:
    total = math.fsum(values)
    return abs(total - 1) <= SUM_TOLERANCE, total


# --------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------


def validate_instrument(data: object, *, source: str, known_topics: set[str]) -> dict[str, Any]:
    """Check one parsed instrument file and return it normalised, with every default filled in."""
    check = _Checker(source)
    raw = check.mapping(data, _INSTRUMENT_FIELDS, "an instrument file")
    file_format = check.integer(raw, "format", minimum=1, maximum=max(FORMATS), default=1)
    definition: dict[str, Any] = {
        "slug": check.slug(raw, "slug"),
        "version": check.integer(raw, "version", minimum=1),
        "title": check.text(raw, "title"),
        "description": check.text(raw, "description"),
        "client_intro": check.text(raw, "client_intro"),
        "purpose": check.choice(raw, "purpose", PURPOSES),
        "licence": check.text(raw, "licence"),
        "authors": check.text(raw, "authors"),
        "source": check.text(raw, "source"),
        "estimated_minutes": check.integer(raw, "estimated_minutes", minimum=1),
        "shuffle_items": check.boolean(raw, "shuffle_items", default=False),
        "scoring": _scoring(check, check.get(raw, "scoring", {})),
    }
    if file_format > 1:
        # Format 1 definitions are stored without the key, so their content hash stays as it was.
        definition["format"] = file_format
    areas = _areas(check, check.sequence(raw, "areas"), known_topics)
    item_entries = check.sequence(raw, "items")
    area_slugs = {area["slug"] for area in areas}
    if file_format == 1:
        items = _items_v1(check, item_entries, area_slugs)
        _check_area_items_v1(check, areas, items)
    else:
        items = _items_v2(check, item_entries, area_slugs)
        _check_area_items_v2(check, areas, items)
    definition["areas"] = areas
    definition["items"] = items
    try:
        instrument_def(definition)
    except ValueError as error:
        # Every rule the engine enforces is also checked above; this keeps the two from drifting.
        raise check.fail(None, f"rejected by the scoring engine: {error}") from error
    return definition


def _scoring(check: _Checker, data: object) -> dict[str, Any]:
    inner = check.nested("scoring")
    raw = inner.mapping(data, _SCORING_FIELDS)
    weights = _weights(inner, check.get(raw, "weights", {}))
    bands = _bands(inner, check.get(raw, "bands", {}))
    p = _DEFAULT_PARAMS
    return {
        "weights": weights,
        "bands": bands,
        "strain_threshold": inner.number(
            raw,
            "strain_threshold",
            lambda v: 0 < v <= 100,
            "must be above 0 and at most 100",
            default=p.strain_threshold,
        ),
        "coverage_min": inner.number(
            raw,
            "coverage_min",
            lambda v: 0 < v <= 1,
            "must be above 0 and at most 1",
            default=p.coverage_min,
        ),
        "healthy_min": inner.integer(
            raw,
            "healthy_min",
            minimum=scoring.MIN_ANSWER,
            maximum=scoring.MAX_ANSWER,
            default=p.healthy_min,
        ),
        "meaningful_z": inner.number(
            raw, "meaningful_z", _positive, "must be above 0", default=p.meaningful_z
        ),
        "disagreement_count": inner.integer(
            raw, "disagreement_count", minimum=0, default=p.disagreement_count
        ),
        "overall_sd": inner.number(
            raw, "overall_sd", _positive, "must be above 0", default=p.overall_sd
        ),
        "overall_reliability": inner.number(
            raw,
            "overall_reliability",
            _open_unit,
            "must be between 0 and 1, both excluded",
            default=p.overall_reliability,
        ),
    }


def _weights(check: _Checker, data: object) -> dict[str, float]:
    inner = check.nested("weights")
    raw = inner.mapping(data, DEFAULT_WEIGHTS)
    weights = {
        name: inner.number(raw, name, _non_negative, "must be 0 or more", default=default)
        for name, default in DEFAULT_WEIGHTS.items()
    }
    ok, total = _sums_to_one(weights.values())
    if not ok:
        raise check.fail("weights", f"must sum to 1 (got {_number(total)})")
    return weights


def _bands(check: _Checker, data: object) -> dict[str, float]:
    inner = check.nested("bands")
    raw = inner.mapping(data, DEFAULT_BANDS)
    bands = {
        name: inner.number(raw, name, default=default) for name, default in DEFAULT_BANDS.items()
    }
    watch, imbalanced, severe = bands["watch"], bands["imbalanced"], bands["severe"]
    if not 0 < watch < imbalanced < severe <= 100:
        got = ", ".join(_number(value) for value in (watch, imbalanced, severe))
        raise check.fail(
            "bands", f"must increase: 0 < watch < imbalanced < severe <= 100 (got {got})"
        )
    return bands


def _areas(check: _Checker, entries: list[Any], known_topics: set[str]) -> list[dict[str, Any]]:
    if not entries:
        raise check.fail("areas", "must list at least one area")
    areas: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        here = check.at(_where("area", entry, "slug", position))
        raw = here.mapping(entry, _AREA_FIELDS, "an area")
        slug = here.slug(raw, "slug")
        if slug in seen:
            raise here.fail("slug", "is used by another area of this instrument")
        seen.add(slug)
        area: dict[str, Any] = {
            "slug": slug,
            "title": here.text(raw, "title"),
            "description": here.text(raw, "description"),
            "weight": here.number(raw, "weight", _non_negative, "must be 0 or more"),
            "sd": here.number(raw, "sd", _positive, "must be above 0"),
            "reliability": here.number(
                raw, "reliability", _open_unit, "must be between 0 and 1, both excluded"
            ),
            "topics": _distinct(here, "topics", here.sequence(raw, "topics")),
        }
        for topic in area["topics"]:
            here.slug_value(topic, "topics")
            if topic not in known_topics:
                raise here.fail("topics", f"unknown topic {topic!r} (not in topics.yaml)")
        areas.append(area)
    ok, total = _sums_to_one(area["weight"] for area in areas)
    if not ok:
        raise check.fail("areas", f"area weights must sum to 1 (got {_number(total)})")
    return areas


def _item_entries(
    check: _Checker, entries: list[Any], area_slugs: set[str], allowed: tuple[str, ...]
) -> Iterable[tuple[_Checker, Mapping[str, Any], dict[str, Any]]]:
    """Each item's checker, raw mapping and the fields common to every format."""
    if not entries:
        raise check.fail("items", "must list at least one item")
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        here = check.at(_where("item", entry, "id", position))
        raw = here.mapping(entry, allowed, "an item")
        item_id = here.slug(raw, "id")
        if item_id in seen:
            raise here.fail("id", "is used by another item of this instrument")
        seen.add(item_id)
        area = here.get(raw, "area")
        if not isinstance(area, str) or area not in area_slugs:
            raise here.fail("area", f"must be one of the instrument's areas (got {_shown(area)})")
        common = {
            "id": item_id,
            "area": area,
            "kind": here.choice(raw, "kind", KINDS),
            "text": here.text(raw, "text"),
        }
        yield here, raw, common


def _items_v1(check: _Checker, entries: list[Any], area_slugs: set[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for here, raw, common in _item_entries(check, entries, area_slugs, _ITEM_FIELDS_V1):
        kind = common["kind"]
        reverse = here.boolean(raw, "reverse")
        sensitivity = here.choice(raw, "sensitivity", SENSITIVITIES)
        required = here.boolean(raw, "required", default=True)
        # The flag thresholds are stated on the raw scale of a reverse-keyed wellbeing item.
        if sensitivity == "safety" and kind not in WELLBEING_KINDS:
            raise here.fail("kind", f"safety items must be agree or frequency (got {kind!r})")
        if sensitivity == "safety" and not reverse:
            raise here.fail("reverse", "safety items must have reverse: true")
        # A reversed share item would put "me" on the other pole of the balance axis.
        if kind == "share" and reverse:
            raise here.fail("reverse", "share items must have reverse: false")
        items.append(
            {**common, "reverse": reverse, "sensitivity": sensitivity, "required": required}
        )
    return items


def _items_v2(check: _Checker, entries: list[Any], area_slugs: set[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for here, raw, common in _item_entries(check, entries, area_slugs, _ITEM_FIELDS_V2):
        kind = common["kind"]
        sensitivity = here.choice(raw, "sensitivity", SENSITIVITIES)
        safety = sensitivity == "safety"
        if kind == "share":
            # A share item measures who holds the influence: it has no healthy pole.
            for field in ("healthy", "wellbeing"):
                if field in raw:
                    raise here.fail(field, "share items have no healthy pole and no wellbeing")
            healthy = None
        else:
            healthy = here.choice(raw, "healthy", HEALTHY_POLES[kind])
        if safety and kind == "share":
            raise here.fail("kind", f"safety items must be agree or frequency (got {kind!r})")
        # Endorsing a safety statement is the warning sign, so its healthy pole is the low one.
        if safety and healthy not in LOW_POLES:
            raise here.fail("healthy", "a safety item's healthy pole is never or disagree")
        if not safety and "flag" in raw:
            raise here.fail("flag", "only safety items have a flag rule")
        if safety and "wellbeing" in raw:
            raise here.fail("wellbeing", "safety items never enter wellbeing; leave it out")
        items.append(
            {
                **common,
                "healthy": healthy,
                "reverse": healthy in LOW_POLES,
                "sensitivity": sensitivity,
                "required": here.boolean(raw, "required", default=True),
                # False only for the own-behaviour items marked so; share items are never marked.
                "wellbeing": here.boolean(raw, "wellbeing", default=True),
                "flag": here.choice(raw, "flag", FLAG_RULES) if "flag" in raw else "graded",
            }
        )
    return items


def _counts_toward_wellbeing(item: Mapping[str, Any]) -> bool:
    return item["kind"] in WELLBEING_KINDS and item["wellbeing"] and item["sensitivity"] != "safety"


def _check_area_items_v2(
    check: _Checker, areas: list[dict[str, Any]], items: list[dict[str, Any]]
) -> None:
    for area in areas:
        own = [item for item in items if item["area"] == area["slug"]]
        here = check.at(f"area {area['slug']!r}")
        if len(own) < MIN_AREA_ITEMS:
            raise here.fail("items", f"needs at least {MIN_AREA_ITEMS} items (has {len(own)})")
        if not any(item["kind"] == "share" for item in own):
            raise here.fail("items", "needs at least one share item")
        # Safety items only raise flags, so the area's scores rest on its other items.
        if not any(_counts_toward_wellbeing(item) for item in own):
            raise here.fail(
                "items",
                "needs at least one agree or frequency item that is not a safety item and counts"
                " toward wellbeing",
            )


def _check_area_items_v1(
    check: _Checker, areas: list[dict[str, Any]], items: list[dict[str, Any]]
) -> None:
    for area in areas:
        kinds = [item["kind"] for item in items if item["area"] == area["slug"]]
        here = check.at(f"area {area['slug']!r}")
        if len(kinds) < MIN_AREA_ITEMS:
            raise here.fail(
                "items", f"needs at least {MIN_AREA_ITEMS} scorable items (has {len(kinds)})"
            )
        if "share" not in kinds:
            raise here.fail("items", "needs at least one share item")
        if not any(kind in WELLBEING_KINDS for kind in kinds):
            raise here.fail("items", "needs at least one wellbeing (agree or frequency) item")


def _where(noun: str, entry: object, key: str, position: int) -> str:
    if isinstance(entry, Mapping):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return f"{noun} {value!r}"
    return f"{noun} #{position}"


# --------------------------------------------------------------------------------------------
# Topics
# --------------------------------------------------------------------------------------------


def validate_topics(
    data: object, *, source: str, known_areas: set[str] | None
) -> list[dict[str, Any]]:
    """Check the parsed topic library and return its topics normalised.

    `known_areas`, when given, is every area slug of every instrument; a topic naming any other
    area could never be suggested. `None` skips that check (the instruments are not all known).
    """
    check = _Checker(source)
    raw = check.mapping(data, _TOPICS_FILE_FIELDS, "the topics file")
    check.integer(raw, "version", minimum=1)
    entries = check.sequence(raw, "topics")
    if not entries:
        raise check.fail("topics", "must list at least one topic")
    topics: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        here = check.at(_where("topic", entry, "slug", position))
        topic = here.mapping(entry, _TOPIC_FIELDS, "a topic")
        slug = here.slug(topic, "slug")
        if slug in seen:
            raise here.fail("slug", "is used by another topic")
        seen.add(slug)
        title = here.text(topic, "title")
        triggers = _distinct(here, "triggers", here.sequence(topic, "triggers"))
        if not triggers:
            raise here.fail("triggers", "must list at least one trigger")
        for trigger in triggers:
            if trigger not in TRIGGERS:
                raise here.fail(
                    "triggers", f"must be among {', '.join(TRIGGERS)} (got {_shown(trigger)})"
                )
        areas = _distinct(here, "areas", here.sequence(topic, "areas"))
        for area in areas:
            here.slug_value(area, "areas")
            if known_areas is not None and area not in known_areas:
                raise here.fail("areas", f"no instrument has an area {area!r}")
        if not areas and scoring.SAFETY_TRIGGER not in triggers:
            raise here.fail("areas", "must list at least one area (only safety topics may not)")
        steps = here.sequence(topic, "steps")
        if not steps:
            raise here.fail("steps", "must list at least one step")
        for number, step in enumerate(steps, start=1):
            if not isinstance(step, str) or not step.strip():
                raise here.fail("steps", f"step {number} must be non-empty text")
        topics.append(
            {
                "slug": slug,
                "title": title,
                "areas": areas,
                "triggers": triggers,
                "why": here.text(topic, "why"),
                "steps": [step.strip() for step in steps],
            }
        )
    return topics


def _distinct(check: _Checker, field: str, values: list[Any]) -> list[Any]:
    for value in values:
        if values.count(value) > 1:
            raise check.fail(field, f"lists {_shown(value)} twice")
    return list(values)


# --------------------------------------------------------------------------------------------
# Conversions shared with the models
# --------------------------------------------------------------------------------------------


def content_hash(definition: Mapping[str, Any] | list[Any]) -> str:
    """sha256 of the canonical JSON form: equal content gives an equal hash, whatever the layout."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def instrument_def(definition: Mapping[str, Any]) -> scoring.InstrumentDef:
    """Build the scoring engine's frozen definition from a normalised definition dict."""
    params = definition["scoring"]
    weights, bands = params["weights"], params["bands"]
    return scoring.InstrumentDef(
        slug=definition["slug"],
        version=definition["version"],
        areas=tuple(
            scoring.AreaDef(
                slug=area["slug"],
                title=area["title"],
                weight=area["weight"],
                sd=area["sd"],
                reliability=area["reliability"],
                topics=tuple(area["topics"]),
            )
            for area in definition["areas"]
        ),
        items=tuple(
            scoring.ItemDef(
                id=item["id"],
                area=item["area"],
                kind=item["kind"],
                text=item["text"],
                reverse=item["reverse"],
                sensitivity=item["sensitivity"],
                required=item["required"],
                wellbeing=item.get("wellbeing", True),
                flag=item.get("flag", "graded"),
            )
            for item in definition["items"]
        ),
        params=scoring.ScoringParams(
            w_consensual=weights["consensual"],
            w_perception_gap=weights["perception_gap"],
            w_wellbeing_gap=weights["wellbeing_gap"],
            w_strain=weights["strain"],
            band_watch=bands["watch"],
            band_imbalanced=bands["imbalanced"],
            band_severe=bands["severe"],
            strain_threshold=params["strain_threshold"],
            coverage_min=params["coverage_min"],
            healthy_min=params["healthy_min"],
            meaningful_z=params["meaningful_z"],
            disagreement_count=params["disagreement_count"],
            overall_sd=params["overall_sd"],
            overall_reliability=params["overall_reliability"],
        ),
    )


def topic_def(topic: Mapping[str, Any]) -> scoring.TopicDef:
    return scoring.TopicDef(
        slug=topic["slug"],
        title=topic["title"],
        areas=tuple(topic["areas"]),
        triggers=tuple(topic["triggers"]),
    )
