"""The scoring engine as it was before it moved to integer arithmetic, kept as the reference that
tests/assessments/test_scoring_equivalence.py compares the product's engine with. Its arithmetic is
unchanged; its topic list follows the product's rule of algorithm 2.1 (a rationale opens with the
trigger its topic answers; at most MAX_TOPICS_PER_AREA per area while other areas have topics).

Pure scoring engine: compares two partners' answers to one instrument version.

Nothing here touches Django or the database: frozen dataclasses in, frozen dataclasses out, so the
engine can be tested in milliseconds and re-run identically for any stored comparison.

The formulas are those of `shared/design/product.md`, "Scoring" and "Suggested session topics".
Safety items feed the safety flags and nothing else (product.md, "Safety override: no inference"):
every number outside the safety panel is computed from an area's other items, so no answer to a
safety item can be read back from a score, a chart or a rationale.
All arithmetic is done on exact fractions and rounded once, at the output, so that swapping the two
partners flips signs without ever changing a magnitude in the last bit, and so that a boundary case
(an index of exactly 14.5, a difference exactly at the reliable-change threshold) is decided the
same way on every machine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final, Literal, cast, get_args

from assessments.engine.scoring import MAX_TOPICS_PER_AREA, TRIGGER_REASONS

# 2.0: safety items leave every score; items marked `wellbeing: false` leave w and PCA; the overall
# index is the weighted mean of the rounded area indices; "urgent" safety items.
ALGORITHM_VERSION: str = "2.1"

Kind = Literal["share", "agree", "frequency"]
Sensitivity = Literal["shared", "clinician", "safety"]
Trigger = Literal["consensual_imbalance", "perception_gap", "low_wellbeing", "safety"]
Direction = Literal["a", "b", "equal"]
Partner = Literal["a", "b"]
FlagLevel = Literal["caution", "urgent"]
FlagRule = Literal["graded", "urgent"]
Answers = Mapping[str, int]

MIN_ANSWER: Final = 1
MAX_ANSWER: Final = 5
EQUAL_SHARE: Final = 3
# |c| at or below this reads as "equal": a couple whose answers differ by one share item out of ten
# should not be told that one of them holds more say.
DIRECTION_THRESHOLD: Final = 0.05
STORED_DECIMALS: Final = 4
MAX_TOPIC_SUGGESTIONS: Final = 8
# An area with fewer non-safety wellbeing items than this gets a rationale that names the area
# only: a per-partner number built from one or two answers would be those answers.
MIN_ITEMS_FOR_PARTNER_NUMBERS: Final = 3
SAFETY_TRIGGER: Final = "safety"
SAFETY_TOPIC_SLUG: Final = "individual-safety-check-in"
SAFETY_TOPIC_TITLE: Final = "Individual safety check-in"
# Deliberately says neither which partner nor which item: topics may be read by people who must
# not learn that a safety item was endorsed by one partner in particular.
SAFETY_RATIONALE: Final = (
    "A safety item was endorsed; hold an individual check-in with each partner before any joint"
    " feedback."
)
# Safety suggestions outrank every area suggestion, whose scores are index * driver <= 100.
SAFETY_TOPIC_SCORE: Final = 100.0

_WELLBEING_KINDS: Final = frozenset({"agree", "frequency"})
_AREA_TRIGGERS: Final = ("consensual_imbalance", "perception_gap", "low_wellbeing")
_LEVEL_ORDER: Final = {"urgent": 0, "caution": 1}


class Band(StrEnum):
    BALANCED = "balanced"
    WATCH = "watch"
    IMBALANCED = "imbalanced"
    SEVERE = "severe"


# --------------------------------------------------------------------------------------------
# Definitions (inputs)
# --------------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_fraction_of_one(value: float, name: str) -> None:
    _require(
        _is_number(value) and 0 <= value <= 1, f"{name} must be between 0 and 1, got {value!r}"
    )


def _check_non_negative(value: float, name: str) -> None:
    _require(_is_number(value) and value >= 0, f"{name} must be a number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class ItemDef:
    id: str
    area: str
    kind: Kind
    text: str
    reverse: bool = False
    sensitivity: Sensitivity = "shared"
    required: bool = True
    # False for items about the respondent's own dominating behaviour or economic dependency: the
    # counsellor sees them, but they are not the respondent's wellbeing.
    wellbeing: bool = True
    # "urgent": any endorsement of this safety item is urgent ("I feel afraid at home").
    flag: FlagRule = "graded"

    def __post_init__(self) -> None:
        where = f"item {self.id!r}"
        _require(self.kind in get_args(Kind), f"{where}: unknown kind {self.kind!r}")
        _require(
            self.sensitivity in get_args(Sensitivity),
            f"{where}: unknown sensitivity {self.sensitivity!r}",
        )
        # A reversed share item would put "me" on the other pole of the balance axis.
        _require(
            not (self.kind == "share" and self.reverse), f"{where}: share items cannot reverse"
        )
        _require(self.flag in get_args(FlagRule), f"{where}: unknown flag rule {self.flag!r}")
        # Endorsing a safety statement is its unhealthy pole, so the flag thresholds are stated
        # on the raw scale of a reverse-keyed item.
        if self.sensitivity == "safety":
            _require(
                self.kind in _WELLBEING_KINDS, f"{where}: safety items must be agree/frequency"
            )
            _require(self.reverse, f"{where}: a safety item's healthy pole must be never/disagree")
        else:
            _require(self.flag == "graded", f"{where}: only safety items have a flag rule")
        _require(
            self.wellbeing or (self.kind in _WELLBEING_KINDS and self.sensitivity != "safety"),
            f"{where}: only non-safety agree/frequency items can be kept out of wellbeing",
        )

    @property
    def is_share(self) -> bool:
        return self.kind == "share"

    @property
    def is_safety(self) -> bool:
        return self.sensitivity == "safety"

    @property
    def scores_wellbeing(self) -> bool:
        """Counts toward w_A/w_B, strain and PCA."""
        return self.kind in _WELLBEING_KINDS and self.wellbeing and not self.is_safety


@dataclass(frozen=True, slots=True)
class AreaDef:
    slug: str
    title: str
    weight: float
    sd: float
    reliability: float
    topics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"area {self.slug!r}"
        _check_non_negative(self.weight, f"{where}: weight")
        _check_non_negative(self.sd, f"{where}: sd")
        _check_fraction_of_one(self.reliability, f"{where}: reliability")


@dataclass(frozen=True, slots=True)
class ScoringParams:
    w_consensual: float = 0.4
    w_perception_gap: float = 0.2
    w_wellbeing_gap: float = 0.2
    w_strain: float = 0.2
    band_watch: float = 15
    band_imbalanced: float = 35
    band_severe: float = 60
    strain_threshold: float = 60
    coverage_min: float = 0.5
    healthy_min: int = 4
    meaningful_z: float = 1.96
    disagreement_count: int = 5
    overall_sd: float = 12.0
    overall_reliability: float = 0.85

    def __post_init__(self) -> None:
        for name in ("w_consensual", "w_perception_gap", "w_wellbeing_gap", "w_strain"):
            _check_non_negative(getattr(self, name), name)
        _require(
            0 < self.band_watch < self.band_imbalanced < self.band_severe <= 100,
            "bands must increase: 0 < watch < imbalanced < severe <= 100",
        )
        _require(self.strain_threshold > 0, "strain_threshold must be > 0")
        _check_fraction_of_one(self.coverage_min, "coverage_min")
        _require(MIN_ANSWER <= self.healthy_min <= MAX_ANSWER, "healthy_min must be within 1..5")
        _check_non_negative(self.meaningful_z, "meaningful_z")
        _require(self.disagreement_count >= 0, "disagreement_count must be >= 0")
        _check_non_negative(self.overall_sd, "overall_sd")
        _check_fraction_of_one(self.overall_reliability, "overall_reliability")


@dataclass(frozen=True, slots=True)
class InstrumentDef:
    slug: str
    version: int
    areas: tuple[AreaDef, ...]
    items: tuple[ItemDef, ...]
    params: ScoringParams = ScoringParams()

    def __post_init__(self) -> None:
        slugs = [area.slug for area in self.areas]
        _require(len(set(slugs)) == len(slugs), f"instrument {self.slug!r}: duplicate area slug")
        ids = [item.id for item in self.items]
        _require(len(set(ids)) == len(ids), f"instrument {self.slug!r}: duplicate item id")
        for item in self.items:
            _require(item.area in slugs, f"item {item.id!r}: unknown area {item.area!r}")

    def items_of(self, area_slug: str) -> tuple[ItemDef, ...]:
        return tuple(item for item in self.items if item.area == area_slug)

    def scored_items_of(self, area_slug: str) -> tuple[ItemDef, ...]:
        """The area's items that enter its scores: all but the safety items."""
        return tuple(item for item in self.items_of(area_slug) if not item.is_safety)


@dataclass(frozen=True, slots=True)
class TopicDef:
    slug: str
    title: str
    areas: tuple[str, ...]
    triggers: tuple[str, ...]

    def __post_init__(self) -> None:
        for trigger in self.triggers:
            _require(
                trigger in get_args(Trigger), f"topic {self.slug!r}: unknown trigger {trigger!r}"
            )


# --------------------------------------------------------------------------------------------
# Results (outputs)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AreaResult:
    slug: str
    title: str
    scored: bool
    p_a: float | None
    p_b: float | None
    consensual: float | None
    direction: Direction | None
    perception_gap: float | None
    wellbeing_a: float | None
    wellbeing_b: float | None
    wellbeing_gap: float | None
    strain: float | None
    pca: float | None
    index: int | None
    band: Band | None
    meaningful_gap: bool
    answered_a: int
    answered_b: int
    item_count: int


@dataclass(frozen=True, slots=True)
class ItemDisagreement:
    item_id: str
    area: str
    text: str
    keyed_a: int
    keyed_b: int
    difference: int
    # Lets a couple-shared summary drop clinician-only items without looking the item up again.
    sensitivity: Sensitivity = "shared"


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    partner: Partner
    item_id: str
    area: str
    level: FlagLevel
    answer: int


@dataclass(frozen=True, slots=True)
class TopicSuggestion:
    slug: str
    title: str
    area: str | None
    trigger: str
    score: float
    rationale: str


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    algorithm_version: str
    instrument: str
    instrument_version: int
    areas: tuple[AreaResult, ...]
    ranked_areas: tuple[str, ...]
    disagreements: tuple[ItemDisagreement, ...]
    overall_index: int | None
    overall_band: Band | None
    safety_flags: tuple[SafetyFlag, ...]
    topics: tuple[TopicSuggestion, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm_version": self.algorithm_version,
            "instrument": self.instrument,
            "instrument_version": self.instrument_version,
            "areas": [_area_to_dict(area) for area in self.areas],
            "ranked_areas": list(self.ranked_areas),
            "disagreements": [_plain_dict(item) for item in self.disagreements],
            "overall_index": self.overall_index,
            "overall_band": None if self.overall_band is None else self.overall_band.value,
            "safety_flags": [_plain_dict(flag) for flag in self.safety_flags],
            "topics": [_plain_dict(topic) for topic in self.topics],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComparisonResult:
        return cls(
            algorithm_version=str(data["algorithm_version"]),
            instrument=str(data["instrument"]),
            instrument_version=int(data["instrument_version"]),
            areas=tuple(_area_from_dict(area) for area in data["areas"]),
            ranked_areas=tuple(str(slug) for slug in data["ranked_areas"]),
            disagreements=tuple(_disagreement_from_dict(d) for d in data["disagreements"]),
            overall_index=_opt_int(data["overall_index"]),
            overall_band=_opt_band(data["overall_band"]),
            safety_flags=tuple(_flag_from_dict(flag) for flag in data["safety_flags"]),
            topics=tuple(_topic_from_dict(topic) for topic in data["topics"]),
        )

    def area(self, slug: str) -> AreaResult:
        for area in self.areas:
            if area.slug == slug:
                return area
        raise KeyError(slug)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str
    overall_index: int | None
    # Pairs in instrument order rather than a dict, so the point stays frozen and hashable.
    area_indices: tuple[tuple[str, int | None], ...]
    overall_reliable_change: bool
    area_reliable_changes: tuple[str, ...]

    def area_index(self, slug: str) -> int | None:
        return dict(self.area_indices)[slug]


# --------------------------------------------------------------------------------------------
# Exact arithmetic helpers
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024, typed=True)
def _exact(value: float) -> Fraction:
    # Parameters are written in decimal (0.4, 1.96); reading their shortest repr keeps 0.4 as 2/5
    # instead of the binary neighbour of 0.4, so hand-computed boundaries hold exactly.
    _require(_is_number(value), f"expected a finite number, got {value!r}")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _round_half_away(value: Fraction, digits: int = 0) -> Fraction:
    # Half away from zero is symmetric under negation (so c and -c round alike) and, unlike
    # Python's half-to-even, never rounds an index of 14.5 down.
    scale = 10**digits
    numerator, denominator = abs(value.numerator) * scale, value.denominator
    magnitude = (2 * numerator + denominator) // (2 * denominator)  # floor(|x| * scale + 1/2)
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def _stored(value: Fraction) -> float:
    return float(_round_half_away(value, STORED_DECIMALS))


def _stored_opt(value: Fraction | None) -> float | None:
    return None if value is None else _stored(value)


def _whole(value: Fraction) -> int:
    return int(_round_half_away(value))


def _exceeds(difference: Fraction, *, z: float, sd: float, factor: Fraction) -> bool:
    """|difference| > z * sd * sqrt(factor), decided exactly by comparing squares."""
    _check_non_negative(z, "z")
    _check_non_negative(sd, "sd")
    _require(factor >= 0, "reliability must be between 0 and 1")
    return difference**2 > _exact(z) ** 2 * _exact(sd) ** 2 * factor


def _mean(values: Sequence[int], numerator: int, denominator: int) -> Fraction | None:
    """Mean of values scaled by numerator/denominator; None when nothing was answered."""
    if not values:
        return None
    return Fraction(sum(values) * numerator, len(values) * denominator)


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


def band_for(index: float, params: ScoringParams) -> Band:
    if index < params.band_watch:
        return Band.BALANCED
    if index < params.band_imbalanced:
        return Band.WATCH
    if index < params.band_severe:
        return Band.IMBALANCED
    return Band.SEVERE


def reliable_change(
    x1: float, x2: float, *, sd: float, reliability: float, z: float = 1.96
) -> bool:
    """Jacobson-Truax: |x2 - x1| > z * sd * sqrt(2) * sqrt(1 - r)."""
    _check_fraction_of_one(reliability, "reliability")
    factor = 2 * (1 - _exact(reliability))
    return _exceeds(_exact(x2) - _exact(x1), z=z, sd=sd, factor=factor)


def keyed(item: ItemDef, answer: int) -> int:
    """The answer on the item's healthy-is-5 scale (share items are not keyed)."""
    return MAX_ANSWER + MIN_ANSWER - answer if item.reverse else answer


# --------------------------------------------------------------------------------------------
# Per-area scoring
# --------------------------------------------------------------------------------------------


def _answered(items: Iterable[ItemDef], answers: Answers) -> list[tuple[ItemDef, int]]:
    return [(item, answers[item.id]) for item in items if item.id in answers]


def _perceived_balance(items: Sequence[ItemDef], answers: Answers, sign: int) -> Fraction | None:
    # s = (3 - x) / 2 for A and (x - 3) / 2 for B: +1 always means "A holds the influence".
    shares = [sign * (EQUAL_SHARE - x) for item, x in _answered(items, answers) if item.is_share]
    return _mean(shares, 1, 2)


def _wellbeing(items: Sequence[ItemDef], answers: Answers) -> Fraction | None:
    # (k - 1) / 4 * 100, averaged over answered items only: a skip is not a zero.
    steps = [
        keyed(item, x) - MIN_ANSWER
        for item, x in _answered(items, answers)
        if item.scores_wellbeing
    ]
    return _mean(steps, 100, MAX_ANSWER - MIN_ANSWER)


def _pca(items: Sequence[ItemDef], a: Answers, b: Answers, healthy_min: int) -> Fraction | None:
    both = [item for item in items if item.scores_wellbeing and item.id in a and item.id in b]
    if not both:
        return None
    healthy = [
        item
        for item in both
        if keyed(item, a[item.id]) >= healthy_min and keyed(item, b[item.id]) >= healthy_min
    ]
    return Fraction(100 * len(healthy), len(both))


def _covered(items: Sequence[ItemDef], answers: Answers, coverage_min: float) -> bool:
    answered = [item for item, _ in _answered(items, answers)]
    return (
        any(item.is_share for item in answered)
        and any(item.scores_wellbeing for item in answered)
        and len(answered) >= _exact(coverage_min) * len(items)
    )


def _direction(c: Fraction) -> Direction:
    threshold = _exact(DIRECTION_THRESHOLD)
    if c > threshold:
        return "a"
    if c < -threshold:
        return "b"
    return "equal"


@dataclass(frozen=True, slots=True)
class _Exact:
    """The unrounded numbers of one scored area, kept for the overall index and topic drivers."""

    p_a: Fraction
    p_b: Fraction
    w_a: Fraction
    w_b: Fraction
    strain: Fraction

    @property
    def c(self) -> Fraction:
        return (self.p_a + self.p_b) / 2

    @property
    def g(self) -> Fraction:
        return abs(self.p_a - self.p_b) / 2

    @property
    def wellbeing_gap(self) -> Fraction:
        return abs(self.w_a - self.w_b) / 100

    def raw_index(self, params: ScoringParams) -> Fraction:
        weighted = (
            _exact(params.w_consensual) * abs(self.c)
            + _exact(params.w_perception_gap) * self.g
            + _exact(params.w_wellbeing_gap) * self.wellbeing_gap
            + _exact(params.w_strain) * self.strain
        )
        return min(Fraction(100), max(Fraction(0), 100 * weighted))

    def driver(self, trigger: str) -> Fraction:
        if trigger == "consensual_imbalance":
            return abs(self.c)
        if trigger == "perception_gap":
            return self.g
        return max(self.strain, self.wellbeing_gap)


@dataclass(frozen=True, slots=True)
class _AreaScore:
    area: AreaDef
    result: AreaResult
    exact: _Exact | None
    # Whether rationales may quote each partner's numbers for this area.
    partner_numbers: bool = False


def _unscored(area: AreaDef, items: Sequence[ItemDef], a: Answers, b: Answers) -> _AreaScore:
    result = AreaResult(
        slug=area.slug,
        title=area.title,
        scored=False,
        p_a=None,
        p_b=None,
        consensual=None,
        direction=None,
        perception_gap=None,
        wellbeing_a=None,
        wellbeing_b=None,
        wellbeing_gap=None,
        strain=None,
        pca=None,
        index=None,
        band=None,
        meaningful_gap=False,
        answered_a=len(_answered(items, a)),
        answered_b=len(_answered(items, b)),
        item_count=len(items),
    )
    return _AreaScore(area=area, result=result, exact=None)


def _exact_numbers(items: Sequence[ItemDef], a: Answers, b: Answers, t: float) -> _Exact | None:
    p_a, p_b = _perceived_balance(items, a, +1), _perceived_balance(items, b, -1)
    w_a, w_b = _wellbeing(items, a), _wellbeing(items, b)
    if p_a is None or p_b is None or w_a is None or w_b is None:
        return None
    threshold = _exact(t)
    strain = max(Fraction(0), (threshold - min(w_a, w_b)) / threshold)
    return _Exact(p_a=p_a, p_b=p_b, w_a=w_a, w_b=w_b, strain=strain)


def _score_area(instrument: InstrumentDef, area: AreaDef, a: Answers, b: Answers) -> _AreaScore:
    params = instrument.params
    items = instrument.scored_items_of(area.slug)
    covered = _covered(items, a, params.coverage_min) and _covered(items, b, params.coverage_min)
    exact = _exact_numbers(items, a, b, params.strain_threshold) if covered else None
    if exact is None:
        return _unscored(area, items, a, b)
    index = _whole(exact.raw_index(params))
    meaningful = _exceeds(
        exact.w_a - exact.w_b,
        z=params.meaningful_z,
        sd=area.sd,
        factor=2 - 2 * _exact(area.reliability),
    )
    result = AreaResult(
        slug=area.slug,
        title=area.title,
        scored=True,
        p_a=_stored(exact.p_a),
        p_b=_stored(exact.p_b),
        consensual=_stored(exact.c),
        direction=_direction(exact.c),
        perception_gap=_stored(exact.g),
        wellbeing_a=_stored(exact.w_a),
        wellbeing_b=_stored(exact.w_b),
        wellbeing_gap=_stored(exact.wellbeing_gap),
        strain=_stored(exact.strain),
        pca=_stored_opt(_pca(items, a, b, params.healthy_min)),
        index=index,
        # The band follows the displayed (rounded) index so the number and the badge always agree.
        band=band_for(index, params),
        meaningful_gap=meaningful,
        answered_a=len(_answered(items, a)),
        answered_b=len(_answered(items, b)),
        item_count=len(items),
    )
    wellbeing_items = sum(1 for item in items if item.scores_wellbeing)
    return _AreaScore(
        area=area,
        result=result,
        exact=exact,
        partner_numbers=wellbeing_items >= MIN_ITEMS_FOR_PARTNER_NUMBERS,
    )


# --------------------------------------------------------------------------------------------
# Whole-comparison pieces
# --------------------------------------------------------------------------------------------


def _check_answers(instrument: InstrumentDef, answers: Answers, partner: Partner) -> None:
    known = {item.id for item in instrument.items}
    for item_id, answer in answers.items():
        where = f"partner {partner}, item {item_id!r}"
        _require(item_id in known, f"{where}: not an item of {instrument.slug!r}")
        _require(
            isinstance(answer, int)
            and not isinstance(answer, bool)
            and MIN_ANSWER <= answer <= MAX_ANSWER,
            f"{where}: answer must be an integer 1-5, got {answer!r}",
        )


def _ranked(scores: Sequence[_AreaScore]) -> tuple[_AreaScore, ...]:
    scored = [score for score in scores if score.result.index is not None]
    # sorted() is stable, so equal indices keep instrument order.
    return tuple(sorted(scored, key=lambda score: -cast(int, score.result.index)))


def _overall(scores: Sequence[_AreaScore]) -> int | None:
    # The displayed (rounded) area indices, so a counsellor can recompute the overall index from
    # the report: weighted mean, rounded half up.
    scored = [
        (_exact(s.area.weight), Fraction(s.result.index))
        for s in scores
        if s.result.index is not None
    ]
    if not scored:
        return None
    total = sum((weight for weight, _ in scored), Fraction(0))
    if total == 0:
        # All-zero weights would divide by zero; an unweighted mean is the only neutral reading.
        scored = [(Fraction(1), index) for _, index in scored]
        total = Fraction(len(scored))
    mean = sum((weight * index for weight, index in scored), Fraction(0)) / total
    return _whole(mean)


def _common_axis(item: ItemDef, answer: int, partner: Partner) -> int:
    # Share answers are "me"/"my partner"; B's are mirrored so 1 means "A decides" for both.
    if not item.is_share:
        return keyed(item, answer)
    return answer if partner == "a" else MAX_ANSWER + MIN_ANSWER - answer


def _disagreements(
    instrument: InstrumentDef, a: Answers, b: Answers
) -> tuple[ItemDisagreement, ...]:
    found = []
    for item in instrument.items:
        # Safety items must never reach anything that could be shown to the couple.
        if item.is_safety or item.id not in a or item.id not in b:
            continue
        keyed_a = _common_axis(item, a[item.id], "a")
        keyed_b = _common_axis(item, b[item.id], "b")
        if abs(keyed_a - keyed_b) >= 2:
            found.append(
                ItemDisagreement(
                    item_id=item.id,
                    area=item.area,
                    text=item.text,
                    keyed_a=keyed_a,
                    keyed_b=keyed_b,
                    difference=abs(keyed_a - keyed_b),
                    sensitivity=item.sensitivity,
                )
            )
    found.sort(key=lambda d: -d.difference)
    return tuple(found[: instrument.params.disagreement_count])


def _safety_level(item: ItemDef, answer: int) -> FlagLevel | None:
    if not item.is_safety:
        return None
    if item.kind == "frequency":
        caution, urgent = 2, 4  # rarely/sometimes, often/very often
    else:
        caution, urgent = 4, 5  # agree, strongly agree
    if item.flag == "urgent":
        urgent = caution  # any endorsement
    if answer >= urgent:
        return "urgent"
    return "caution" if answer >= caution else None


def _safety_flags(instrument: InstrumentDef, a: Answers, b: Answers) -> tuple[SafetyFlag, ...]:
    flags: list[tuple[int, SafetyFlag]] = []
    for position, item in enumerate(instrument.items):
        for partner, answers in (("a", a), ("b", b)):
            level = _safety_level(item, answers[item.id]) if item.id in answers else None
            if level is not None:
                flag = SafetyFlag(
                    partner=cast(Partner, partner),
                    item_id=item.id,
                    area=item.area,
                    level=level,
                    answer=answers[item.id],
                )
                flags.append((position, flag))
    flags.sort(key=lambda pair: (_LEVEL_ORDER[pair[1].level], pair[0]))
    return tuple(flag for _, flag in flags)


# --------------------------------------------------------------------------------------------
# Topics
# --------------------------------------------------------------------------------------------


def _signed(value: Fraction) -> str:
    return f"{float(_round_half_away(value, 2)):+.2f}"


def _unsigned(value: Fraction) -> str:
    return f"{float(_round_half_away(value, 2)):.2f}"


def _consensual_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    a_holds = e.c > 0
    holder, other = names if a_holds else (names[1], names[0])
    w_holder, w_other = (e.w_a, e.w_b) if a_holds else (e.w_b, e.w_a)
    if e.p_a * e.c > 0 and e.p_b * e.c > 0:
        lead = f"Both partners say {holder} holds more say in {title} (c = {_signed(e.c)})"
    else:
        lead = (
            f"On balance {holder} holds more say in {title} (c = {_signed(e.c)}; "
            f"{names[0]} p = {_signed(e.p_a)}, {names[1]} p = {_signed(e.p_b)})"
        )
    return (
        f"{lead}; {other}'s wellbeing here is {_whole(w_other)} vs {holder}'s {_whole(w_holder)}."
    )


def _perception_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    return (
        f"Partners see who holds the say in {title} differently (gap {_unsigned(e.g)}: "
        f"{names[0]} p = {_signed(e.p_a)}, {names[1]} p = {_signed(e.p_b)})."
    )


def _wellbeing_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    levels = f"{names[0]} {_whole(e.w_a)}, {names[1]} {_whole(e.w_b)}"
    if e.strain >= e.wellbeing_gap:
        return f"Wellbeing in {title} is low ({levels}; strain {_unsigned(e.strain)})."
    gap = _unsigned(e.wellbeing_gap)
    return f"Wellbeing in {title} differs between partners ({levels}; gap {gap})."


def _area_only_rationale(title: str) -> str:
    return f"{title} is among the areas most out of balance on this assessment."


def _area_rationale(trigger: str, score: _AreaScore, names: tuple[str, str]) -> str:
    title, e = score.area.title, score.exact
    assert e is not None  # only scored areas get suggestions
    if not score.partner_numbers:
        return _area_only_rationale(title)
    if trigger == "consensual_imbalance":
        return _consensual_rationale(title, e, names)
    if trigger == "perception_gap":
        return _perception_rationale(title, e, names)
    return _wellbeing_rationale(title, e, names)


def _rationale(topic: str, trigger: str, score: _AreaScore, names: tuple[str, str]) -> str:
    return f"{topic} works on {TRIGGER_REASONS[trigger]}. {_area_rationale(trigger, score, names)}"


def _strongest_trigger(topic: TopicDef, e: _Exact) -> str | None:
    candidates = [t for t in topic.triggers if t in _AREA_TRIGGERS]
    if not candidates:
        return None
    # max() keeps the first of equal drivers, so ties follow the topic's own trigger order.
    best = max(candidates, key=e.driver)
    return best if e.driver(best) > 0 else None


def _safety_suggestions(topics: Sequence[TopicDef]) -> tuple[TopicSuggestion, ...]:
    chosen = [(t.slug, t.title) for t in topics if SAFETY_TRIGGER in t.triggers]
    # A library without the safety topic must not silently drop the safety override.
    chosen = chosen or [(SAFETY_TOPIC_SLUG, SAFETY_TOPIC_TITLE)]
    return tuple(
        TopicSuggestion(slug, title, None, SAFETY_TRIGGER, SAFETY_TOPIC_SCORE, SAFETY_RATIONALE)
        for slug, title in chosen
    )


def _area_suggestions(
    ranked: Sequence[_AreaScore], library: Mapping[str, TopicDef], names: tuple[str, str]
) -> list[tuple[Fraction, TopicSuggestion]]:
    found = []
    for score in ranked:
        index, e = score.result.index, score.exact
        if score.result.band == Band.BALANCED or index is None or e is None:
            continue
        for slug in score.area.topics:
            topic = library.get(slug)
            if topic is None or score.area.slug not in topic.areas:
                continue
            trigger = _strongest_trigger(topic, e)
            if trigger is None:
                continue
            value = index * e.driver(trigger)
            rationale = _rationale(topic.title, trigger, score, names)
            suggestion = TopicSuggestion(
                topic.slug, topic.title, score.area.slug, trigger, _stored(value), rationale
            )
            found.append((value, suggestion))
    return found


def _topics(
    ranked: Sequence[_AreaScore],
    topics: Sequence[TopicDef],
    flagged: bool,
    names: tuple[str, str],
) -> tuple[TopicSuggestion, ...]:
    library: dict[str, TopicDef] = {}
    for topic in topics:
        _require(topic.slug not in library, f"duplicate topic slug {topic.slug!r}")
        library[topic.slug] = topic
    first = _safety_suggestions(topics) if flagged else ()
    seen = {suggestion.slug for suggestion in first}
    rest: list[TopicSuggestion] = []
    candidates = _area_suggestions(ranked, library, names)
    # Stable sort: equal scores keep ranked-area order, then the area's own topic order.
    ordered = [suggestion for _, suggestion in sorted(candidates, key=lambda pair: -pair[0])]
    # Two passes: at most MAX_TOPICS_PER_AREA per area first, then the best of the rest.
    per_area: dict[str | None, int] = {}
    for capped in (True, False):
        for suggestion in ordered:
            if suggestion.slug in seen or len(rest) >= MAX_TOPIC_SUGGESTIONS:
                continue
            if capped and per_area.get(suggestion.area, 0) >= MAX_TOPICS_PER_AREA:
                continue
            seen.add(suggestion.slug)
            per_area[suggestion.area] = per_area.get(suggestion.area, 0) + 1
            rest.append(suggestion)
    return first + tuple(rest)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def compare(
    instrument: InstrumentDef,
    answers_a: Answers,
    answers_b: Answers,
    topics: Sequence[TopicDef],
    *,
    names: tuple[str, str] = ("Partner A", "Partner B"),
) -> ComparisonResult:
    _check_answers(instrument, answers_a, "a")
    _check_answers(instrument, answers_b, "b")
    scores = [_score_area(instrument, area, answers_a, answers_b) for area in instrument.areas]
    ranked = _ranked(scores)
    overall = _overall(scores)
    flags = _safety_flags(instrument, answers_a, answers_b)
    return ComparisonResult(
        algorithm_version=ALGORITHM_VERSION,
        instrument=instrument.slug,
        instrument_version=instrument.version,
        areas=tuple(score.result for score in scores),
        ranked_areas=tuple(score.area.slug for score in ranked),
        disagreements=_disagreements(instrument, answers_a, answers_b),
        overall_index=overall,
        overall_band=None if overall is None else band_for(overall, instrument.params),
        safety_flags=flags,
        topics=_topics(ranked, topics, bool(flags), names),
    )


def _area_indices(result: ComparisonResult, instrument: InstrumentDef) -> dict[str, int | None]:
    by_slug = {area.slug: area.index for area in result.areas}
    return {area.slug: by_slug.get(area.slug) for area in instrument.areas}


def _changed(
    before: int | None, after: int | None, sd: float, reliability: float, z: float
) -> bool:
    if before is None or after is None:
        return False
    return reliable_change(before, after, sd=sd, reliability=reliability, z=z)


def trend(
    points: Sequence[tuple[str, ComparisonResult]], instrument: InstrumentDef
) -> tuple[TrendPoint, ...]:
    """Indices over re-assessments of one instrument, each point marked against the point just
    before it. Different instruments are different scales: mixing them is refused."""
    params = instrument.params
    out: list[TrendPoint] = []
    previous: tuple[int | None, dict[str, int | None]] | None = None
    for label, result in points:
        _require(
            result.instrument == instrument.slug,
            f"trend of {instrument.slug!r} given a result of {result.instrument!r}",
        )
        indices = _area_indices(result, instrument)
        overall_change, area_changes = False, []
        if previous is not None:
            before_overall, before_areas = previous
            overall_change = _changed(
                before_overall,
                result.overall_index,
                params.overall_sd,
                params.overall_reliability,
                params.meaningful_z,
            )
            area_changes = [
                area.slug
                for area in instrument.areas
                if _changed(
                    before_areas[area.slug],
                    indices[area.slug],
                    area.sd,
                    area.reliability,
                    params.meaningful_z,
                )
            ]
        out.append(
            TrendPoint(
                label=label,
                overall_index=result.overall_index,
                area_indices=tuple(indices.items()),
                overall_reliable_change=overall_change,
                area_reliable_changes=tuple(area_changes),
            )
        )
        previous = (result.overall_index, indices)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------------------------


def _plain_dict(
    obj: ItemDisagreement | SafetyFlag | TopicSuggestion | AreaResult,
) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _area_to_dict(area: AreaResult) -> dict[str, Any]:
    data = _plain_dict(area)
    data["band"] = None if area.band is None else area.band.value
    return data


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_band(value: Any) -> Band | None:
    return None if value is None else Band(value)


def _literal(value: Any, allowed: tuple[str, ...], name: str) -> str:
    _require(value in allowed, f"{name}: unexpected value {value!r}")
    return str(value)


def _area_from_dict(data: Mapping[str, Any]) -> AreaResult:
    direction = data["direction"]
    return AreaResult(
        slug=str(data["slug"]),
        title=str(data["title"]),
        scored=bool(data["scored"]),
        p_a=_opt_float(data["p_a"]),
        p_b=_opt_float(data["p_b"]),
        consensual=_opt_float(data["consensual"]),
        direction=None
        if direction is None
        else cast(Direction, _literal(direction, get_args(Direction), "direction")),
        perception_gap=_opt_float(data["perception_gap"]),
        wellbeing_a=_opt_float(data["wellbeing_a"]),
        wellbeing_b=_opt_float(data["wellbeing_b"]),
        wellbeing_gap=_opt_float(data["wellbeing_gap"]),
        strain=_opt_float(data["strain"]),
        pca=_opt_float(data["pca"]),
        index=_opt_int(data["index"]),
        band=_opt_band(data["band"]),
        meaningful_gap=bool(data["meaningful_gap"]),
        answered_a=int(data["answered_a"]),
        answered_b=int(data["answered_b"]),
        item_count=int(data["item_count"]),
    )


def _disagreement_from_dict(data: Mapping[str, Any]) -> ItemDisagreement:
    sensitivity = _literal(data.get("sensitivity", "shared"), get_args(Sensitivity), "sensitivity")
    return ItemDisagreement(
        item_id=str(data["item_id"]),
        area=str(data["area"]),
        text=str(data["text"]),
        keyed_a=int(data["keyed_a"]),
        keyed_b=int(data["keyed_b"]),
        difference=int(data["difference"]),
        sensitivity=cast(Sensitivity, sensitivity),
    )


def _flag_from_dict(data: Mapping[str, Any]) -> SafetyFlag:
    return SafetyFlag(
        partner=cast(Partner, _literal(data["partner"], get_args(Partner), "partner")),
        item_id=str(data["item_id"]),
        area=str(data["area"]),
        level=cast(FlagLevel, _literal(data["level"], get_args(FlagLevel), "level")),
        answer=int(data["answer"]),
    )


def _topic_from_dict(data: Mapping[str, Any]) -> TopicSuggestion:
    area = data["area"]
    return TopicSuggestion(
        slug=str(data["slug"]),
        title=str(data["title"]),
        area=None if area is None else str(area),
        trigger=str(data["trigger"]),
        score=float(data["score"]),
        rationale=str(data["rationale"]),
    )


__all__ = [
    "ALGORITHM_VERSION",
    "DIRECTION_THRESHOLD",
    "Answers",
    "AreaDef",
    "AreaResult",
    "Band",
    "ComparisonResult",
    "InstrumentDef",
    "ItemDef",
    "ItemDisagreement",
    "Kind",
    "SafetyFlag",
    "ScoringParams",
    "Sensitivity",
    "TopicDef",
    "TopicSuggestion",
    "TrendPoint",
    "band_for",
    "compare",
    "keyed",
    "reliable_change",
    "trend",
]
