"""Pure scoring engine: compares two partners' answers to one instrument version.

Nothing here touches Django or the database: frozen dataclasses in, frozen dataclasses out, so the
engine can be tested in milliseconds and re-run identically for any stored comparison.

The formulas are those of `shared/design/product.md`, "Scoring" and "Suggested session topics".
Safety items feed the safety flags and nothing else (product.md, "Safety override: no inference"):
every number outside the safety panel is computed from an area's other items, so no answer to a
safety item can be read back from a score, a chart or a rationale.
All arithmetic is exact (integers over a known denominator, never floats) and rounded once, at the
output, so that swapping the two partners flips signs without ever changing a magnitude in the last
bit, and so that a boundary case (an index of exactly 14.5, a difference exactly at the
reliable-change threshold) is decided the same way on every machine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final, Literal, cast, get_args

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

# Why a topic is suggested: the trigger it answers opens its rationale, so that two topics for
# one area never read the same.
TRIGGER_REASONS: Final[Mapping[str, str]] = {
    "consensual_imbalance": "a say that both partners' answers place on one side",
    "perception_gap": "partners seeing the balance of say differently",
    "low_wellbeing": "low or unequal wellbeing",
}
# While another area still has a topic to offer, no area takes more suggestions than this.
MAX_TOPICS_PER_AREA: Final = 2


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
# Every number is an integer numerator over a known positive denominator: the few rationals a
# comparison needs (means over answered items, weights written in decimal) share small
# denominators, so plain integers keep them exact at a fraction of the cost of `Fraction`.


@functools.lru_cache(maxsize=1024, typed=True)
def _ratio(value: float) -> tuple[int, int]:
    # Parameters are written in decimal (0.4, 1.96); reading their shortest repr keeps 0.4 as 2/5
    # instead of the binary neighbour of 0.4, so hand-computed boundaries hold exactly.
    _require(_is_number(value), f"expected a finite number, got {value!r}")
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    return exact.numerator, exact.denominator


def _round_half_away(numerator: int, denominator: int, digits: int = 0) -> int:
    """numerator / denominator (denominator > 0) in units of 10**-digits, rounded half away
    from zero."""
    # Half away from zero is symmetric under negation (so c and -c round alike) and, unlike
    # Python's half-to-even, never rounds an index of 14.5 down.
    magnitude = (2 * abs(numerator) * 10**digits + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def _stored(numerator: int, denominator: int) -> float:
    # int / int is correctly rounded, so this is the float nearest the rounded decimal.
    return _round_half_away(numerator, denominator, STORED_DECIMALS) / 10**STORED_DECIMALS


def _whole(numerator: int, denominator: int) -> int:
    return _round_half_away(numerator, denominator)


def _exceeds(difference: int, denominator: int, *, z: float, sd: float, reliability: float) -> bool:
    """|difference / denominator| > z * sd * sqrt(2 * (1 - reliability)), decided exactly by
    comparing squares."""
    _check_non_negative(z, "z")
    _check_non_negative(sd, "sd")
    z_num, z_den = _ratio(z)
    sd_num, sd_den = _ratio(sd)
    r_num, r_den = _ratio(reliability)
    _require(r_num <= r_den, "reliability must be between 0 and 1")
    # d^2 / D^2 > z^2 * sd^2 * 2 * (r_den - r_num) / r_den, multiplied out.
    return (difference * z_den * sd_den) ** 2 * r_den > (
        (z_num * sd_num * denominator) ** 2 * 2 * (r_den - r_num)
    )


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
    n1, d1 = _ratio(x1)
    n2, d2 = _ratio(x2)
    return _exceeds(n2 * d1 - n1 * d2, d1 * d2, z=z, sd=sd, reliability=reliability)


def keyed(item: ItemDef, answer: int) -> int:
    """The answer on the item's healthy-is-5 scale (share items are not keyed)."""
    return MAX_ANSWER + MIN_ANSWER - answer if item.reverse else answer


# --------------------------------------------------------------------------------------------
# Per-instrument plan (built once per instrument object)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AreaPlan:
    area: AreaDef
    item_count: int  # the area's scored items: all but the safety items
    item_ids: tuple[str, ...]
    shares: tuple[str, ...]
    # (id, reverse) of the items that count toward wellbeing, strain and PCA.
    wellbeing: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    known: frozenset[str]
    areas: tuple[_AreaPlan, ...]
    # Every item but the safety items, in instrument order: (item, is share, reverse).
    comparable: tuple[tuple[ItemDef, bool, bool], ...]
    safety: tuple[tuple[int, ItemDef], ...]  # the safety items and their positions


_plans: dict[int, tuple[InstrumentDef, _Plan]] = {}
_PLAN_LIMIT: Final = 64


def _plan(instrument: InstrumentDef) -> _Plan:
    # Keyed by identity (hashing the definition would cost as much as scoring it); the entry
    # keeps the instrument alive, so its id cannot be reused by another object meanwhile.
    entry = _plans.get(id(instrument))
    if entry is not None and entry[0] is instrument:
        return entry[1]
    areas = []
    for area in instrument.areas:
        items = instrument.scored_items_of(area.slug)
        areas.append(
            _AreaPlan(
                area=area,
                item_count=len(items),
                item_ids=tuple(item.id for item in items),
                shares=tuple(item.id for item in items if item.is_share),
                wellbeing=tuple((item.id, item.reverse) for item in items if item.scores_wellbeing),
            )
        )
    plan = _Plan(
        known=frozenset(item.id for item in instrument.items),
        areas=tuple(areas),
        comparable=tuple(
            (item, item.is_share, item.reverse) for item in instrument.items if not item.is_safety
        ),
        safety=tuple((i, item) for i, item in enumerate(instrument.items) if item.is_safety),
    )
    if len(_plans) >= _PLAN_LIMIT:
        _plans.clear()
    _plans[id(instrument)] = (instrument, plan)
    return plan


# --------------------------------------------------------------------------------------------
# Per-area scoring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tally:
    """One partner's answers to one area, summed."""

    answered: int
    shares: int  # answered share items
    share_sum: int  # sum of s * 2, where s = (3 - x) / 2 for A and (x - 3) / 2 for B
    wellbeing: int  # answered wellbeing items
    steps: int  # sum of keyed - 1 over them


def _tally(plan: _AreaPlan, answers: Answers, sign: int) -> _Tally:
    answered = sum(1 for item_id in plan.item_ids if item_id in answers)
    shares = [answers[i] for i in plan.shares if i in answers]
    steps = [
        (MAX_ANSWER - answers[i] if reverse else answers[i] - MIN_ANSWER)
        for i, reverse in plan.wellbeing
        if i in answers
    ]
    # +1 always means "A holds the influence".
    share_sum = sign * (EQUAL_SHARE * len(shares) - sum(shares))
    return _Tally(answered, len(shares), share_sum, len(steps), sum(steps))


def _covered(tally: _Tally, item_count: int, coverage_min: float) -> bool:
    cov_num, cov_den = _ratio(coverage_min)
    return (
        tally.shares > 0
        and tally.wellbeing > 0
        and tally.answered * cov_den >= cov_num * item_count
    )


def _pca(plan: _AreaPlan, a: Answers, b: Answers, healthy_min: int) -> float | None:
    both = healthy = 0
    for item_id, reverse in plan.wellbeing:
        if item_id in a and item_id in b:
            both += 1
            x, y = a[item_id], b[item_id]
            if reverse:
                x, y = MAX_ANSWER + MIN_ANSWER - x, MAX_ANSWER + MIN_ANSWER - y
            if x >= healthy_min and y >= healthy_min:
                healthy += 1
    return None if not both else _stored(100 * healthy, both)


@dataclass(frozen=True, slots=True)
class _Exact:
    """The unrounded numbers of one scored area, kept for the overall index and topic drivers:
    each is an integer numerator over the area's common denominator `scale`."""

    scale: int
    p_a: int
    p_b: int
    w_a: int
    w_b: int
    strain: int
    c: int
    g: int
    wellbeing_gap: int

    def raw_index(self, params: ScoringParams) -> tuple[int, int]:
        """100 * the weighted sum, clamped to 0..100, as (numerator, denominator)."""
        (k1, k2, k3, k4), common = _index_weights(
            params.w_consensual, params.w_perception_gap, params.w_wellbeing_gap, params.w_strain
        )
        denominator = common * self.scale
        weighted = 100 * (
            k1 * abs(self.c) + k2 * self.g + k3 * self.wellbeing_gap + k4 * self.strain
        )
        return min(100 * denominator, max(0, weighted)), denominator

    def driver(self, trigger: str) -> int:
        """The trigger's driver, over `scale`."""
        if trigger == "consensual_imbalance":
            return abs(self.c)
        if trigger == "perception_gap":
            return self.g
        return max(self.strain, self.wellbeing_gap)


@functools.lru_cache(maxsize=64)
def _index_weights(*weights: float) -> tuple[tuple[int, ...], int]:
    """The weights as integers over one common denominator."""
    ratios = [_ratio(weight) for weight in weights]
    common = math.lcm(*(den for _, den in ratios))
    return tuple(num * (common // den) for num, den in ratios), common


def _exact_numbers(a: _Tally, b: _Tally, strain_threshold: float) -> _Exact:
    # p = share_sum / (2 n); w = 100 * steps / (4 m) = 25 * steps / m; T = t_num / t_den.
    # D = 4 * na * nb * ma * mb * t_num makes p, w and the strain whole multiples of 1 / D, and
    # the common scale 200 * D makes c = (p_a + p_b) / 2, g = |p_a - p_b| / 2 and the
    # wellbeing gap |w_a - w_b| / 100 whole too.
    t_num, t_den = _ratio(strain_threshold)
    d = 4 * a.shares * b.shares * a.wellbeing * b.wellbeing * t_num
    p_a = 2 * a.share_sum * b.shares * a.wellbeing * b.wellbeing * t_num
    p_b = 2 * b.share_sum * a.shares * a.wellbeing * b.wellbeing * t_num
    w_a = 100 * a.steps * a.shares * b.shares * b.wellbeing * t_num
    w_b = 100 * b.steps * a.shares * b.shares * a.wellbeing * t_num
    # strain = max(0, (T - min(w)) / T) = max(0, 1 - min(w) * t_den / t_num)
    strain = max(0, d - min(w_a, w_b) // t_num * t_den)
    return _Exact(
        scale=200 * d,
        p_a=200 * p_a,
        p_b=200 * p_b,
        w_a=200 * w_a,
        w_b=200 * w_b,
        strain=200 * strain,
        c=100 * (p_a + p_b),
        g=100 * abs(p_a - p_b),
        wellbeing_gap=2 * abs(w_a - w_b),
    )


def _direction(c: int, scale: int) -> Direction:
    t_num, t_den = _ratio(DIRECTION_THRESHOLD)
    if c * t_den > t_num * scale:
        return "a"
    if c * t_den < -t_num * scale:
        return "b"
    return "equal"


@dataclass(frozen=True, slots=True)
class _AreaScore:
    area: AreaDef
    result: AreaResult
    exact: _Exact | None
    # Whether rationales may quote each partner's numbers for this area.
    partner_numbers: bool = False


def _unscored(plan: _AreaPlan, a: _Tally, b: _Tally) -> _AreaScore:
    area = plan.area
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
        answered_a=a.answered,
        answered_b=b.answered,
        item_count=plan.item_count,
    )
    return _AreaScore(area=area, result=result, exact=None)


def _score_area(instrument: InstrumentDef, plan: _AreaPlan, a: Answers, b: Answers) -> _AreaScore:
    params, area = instrument.params, plan.area
    tally_a, tally_b = _tally(plan, a, +1), _tally(plan, b, -1)
    covered = _covered(tally_a, plan.item_count, params.coverage_min) and _covered(
        tally_b, plan.item_count, params.coverage_min
    )
    if not covered:
        return _unscored(plan, tally_a, tally_b)
    exact = _exact_numbers(tally_a, tally_b, params.strain_threshold)
    scale = exact.scale
    index = _whole(*exact.raw_index(params))
    meaningful = _exceeds(
        exact.w_a - exact.w_b,
        scale,
        z=params.meaningful_z,
        sd=area.sd,
        reliability=area.reliability,
    )
    result = AreaResult(
        slug=area.slug,
        title=area.title,
        scored=True,
        p_a=_stored(exact.p_a, scale),
        p_b=_stored(exact.p_b, scale),
        consensual=_stored(exact.c, scale),
        direction=_direction(exact.c, scale),
        perception_gap=_stored(exact.g, scale),
        wellbeing_a=_stored(exact.w_a, scale),
        wellbeing_b=_stored(exact.w_b, scale),
        wellbeing_gap=_stored(exact.wellbeing_gap, scale),
        strain=_stored(exact.strain, scale),
        pca=_pca(plan, a, b, params.healthy_min),
        index=index,
        # The band follows the displayed (rounded) index so the number and the badge always agree.
        band=band_for(index, params),
        meaningful_gap=meaningful,
        answered_a=tally_a.answered,
        answered_b=tally_b.answered,
        item_count=plan.item_count,
    )
    return _AreaScore(
        area=area,
        result=result,
        exact=exact,
        partner_numbers=len(plan.wellbeing) >= MIN_ITEMS_FOR_PARTNER_NUMBERS,
    )


# --------------------------------------------------------------------------------------------
# Whole-comparison pieces
# --------------------------------------------------------------------------------------------


def _check_answers(known: frozenset[str], slug: str, answers: Answers, partner: Partner) -> None:
    for item_id, answer in answers.items():
        if item_id in known and type(answer) is int and MIN_ANSWER <= answer <= MAX_ANSWER:
            continue
        where = f"partner {partner}, item {item_id!r}"
        _require(item_id in known, f"{where}: not an item of {slug!r}")
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
        (_ratio(s.area.weight), cast(int, s.result.index))
        for s in scores
        if s.result.index is not None
    ]
    if not scored:
        return None
    common = math.lcm(*(den for (_, den), _ in scored))
    weights = [(num * (common // den), index) for (num, den), index in scored]
    total = sum(weight for weight, _ in weights)
    if total == 0:
        # All-zero weights would divide by zero; an unweighted mean is the only neutral reading.
        weights = [(1, index) for _, index in weights]
        total = len(weights)
    return _whole(sum(weight * index for weight, index in weights), total)


def _disagreements(
    instrument: InstrumentDef, plan: _Plan, a: Answers, b: Answers
) -> tuple[ItemDisagreement, ...]:
    found = []
    flip = MAX_ANSWER + MIN_ANSWER
    # Safety items must never reach anything that could be shown to the couple: the plan's
    # comparable items leave them out.
    for item, is_share, reverse in plan.comparable:
        x, y = a.get(item.id), b.get(item.id)
        if x is None or y is None:
            continue
        # The common axis: share answers are "me"/"my partner", so B's are mirrored to make 1
        # mean "A decides" for both; other items are keyed (healthy is 5).
        if is_share:
            keyed_a, keyed_b = x, flip - y
        elif reverse:
            keyed_a, keyed_b = flip - x, flip - y
        else:
            keyed_a, keyed_b = x, y
        difference = abs(keyed_a - keyed_b)
        if difference >= 2:
            found.append(
                ItemDisagreement(
                    item_id=item.id,
                    area=item.area,
                    text=item.text,
                    keyed_a=keyed_a,
                    keyed_b=keyed_b,
                    difference=difference,
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


def _safety_flags(plan: _Plan, a: Answers, b: Answers) -> tuple[SafetyFlag, ...]:
    flags: list[tuple[int, SafetyFlag]] = []
    for position, item in plan.safety:
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


def _signed(numerator: int, denominator: int) -> str:
    return f"{_round_half_away(numerator, denominator, 2) / 100:+.2f}"


def _unsigned(numerator: int, denominator: int) -> str:
    return f"{_round_half_away(numerator, denominator, 2) / 100:.2f}"


def _consensual_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    a_holds = e.c > 0
    holder, other = names if a_holds else (names[1], names[0])
    w_holder, w_other = (e.w_a, e.w_b) if a_holds else (e.w_b, e.w_a)
    s = e.scale
    if e.p_a * e.c > 0 and e.p_b * e.c > 0:
        lead = f"Both partners say {holder} holds more say in {title} (c = {_signed(e.c, s)})"
    else:
        lead = (
            f"On balance {holder} holds more say in {title} (c = {_signed(e.c, s)}; "
            f"{names[0]} p = {_signed(e.p_a, s)}, {names[1]} p = {_signed(e.p_b, s)})"
        )
    return (
        f"{lead}; {other}'s wellbeing here is {_whole(w_other, s)} vs {holder}'s "
        f"{_whole(w_holder, s)}."
    )


def _perception_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    s = e.scale
    return (
        f"Partners see who holds the say in {title} differently (gap {_unsigned(e.g, s)}: "
        f"{names[0]} p = {_signed(e.p_a, s)}, {names[1]} p = {_signed(e.p_b, s)})."
    )


def _wellbeing_rationale(title: str, e: _Exact, names: tuple[str, str]) -> str:
    s = e.scale
    levels = f"{names[0]} {_whole(e.w_a, s)}, {names[1]} {_whole(e.w_b, s)}"
    if e.strain >= e.wellbeing_gap:
        return f"Wellbeing in {title} is low ({levels}; strain {_unsigned(e.strain, s)})."
    gap = _unsigned(e.wellbeing_gap, s)
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


def _strongest_trigger(candidates: Sequence[str], drivers: Mapping[str, int]) -> str | None:
    if not candidates:
        return None
    # max() keeps the first of equal drivers, so ties follow the topic's own trigger order.
    best = max(candidates, key=drivers.__getitem__)
    return best if drivers[best] > 0 else None


def _safety_suggestions(topics: Sequence[TopicDef]) -> tuple[TopicSuggestion, ...]:
    chosen = [(t.slug, t.title) for t in topics if SAFETY_TRIGGER in t.triggers]
    # A library without the safety topic must not silently drop the safety override.
    chosen = chosen or [(SAFETY_TOPIC_SLUG, SAFETY_TOPIC_TITLE)]
    return tuple(
        TopicSuggestion(slug, title, None, SAFETY_TRIGGER, SAFETY_TOPIC_SCORE, SAFETY_RATIONALE)
        for slug, title in chosen
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A topic an area suggests, with its exact score (numerator / denominator); the suggestion
    itself is written only for the candidates kept."""

    numerator: int
    denominator: int
    topic: TopicDef
    score: _AreaScore
    trigger: str

    def __lt__(self, other: _Candidate) -> bool:
        # Higher scores first: "less than" is "scores more than".
        return self.numerator * other.denominator > other.numerator * self.denominator

    def suggestion(self, names: tuple[str, str]) -> TopicSuggestion:
        return TopicSuggestion(
            self.topic.slug,
            self.topic.title,
            self.score.area.slug,
            self.trigger,
            _stored(self.numerator, self.denominator),
            _rationale(self.topic.title, self.trigger, self.score, names),
        )


def _area_suggestions(
    ranked: Sequence[_AreaScore], library: Mapping[str, TopicDef]
) -> list[_Candidate]:
    found = []
    area_triggers = {
        slug: tuple(t for t in topic.triggers if t in _AREA_TRIGGERS)
        for slug, topic in library.items()
    }
    for score in ranked:
        index, e = score.result.index, score.exact
        if score.result.band == Band.BALANCED or index is None or e is None:
            continue
        drivers = {trigger: e.driver(trigger) for trigger in _AREA_TRIGGERS}
        for slug in score.area.topics:
            topic = library.get(slug)
            if topic is None or score.area.slug not in topic.areas:
                continue
            trigger = _strongest_trigger(area_triggers[slug], drivers)
            if trigger is None:
                continue
            found.append(_Candidate(index * drivers[trigger], e.scale, topic, score, trigger))
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
    # Stable sort: equal scores keep ranked-area order, then the area's own topic order.
    candidates = sorted(_area_suggestions(ranked, library))
    kept = _covering([(c.topic.slug, c.score.area.slug) for c in candidates], seen)
    rest = [candidates[position].suggestion(names) for position in kept]
    return first + tuple(rest)


def _covering(candidates: Sequence[tuple[str, str]], taken: set[str]) -> list[int]:
    """Positions of the (topic, area) candidates to suggest, in the order to list them: each topic
    once, at most MAX_TOPIC_SUGGESTIONS; first the best MAX_TOPICS_PER_AREA of every area, best
    first, so that each area needing work is covered; then the best of the rest."""
    seen = set(taken)
    per_area: dict[str, int] = {}
    kept: list[int] = []
    for capped in (True, False):
        for position, (topic, area) in enumerate(candidates):
            if len(kept) >= MAX_TOPIC_SUGGESTIONS:
                return kept
            if topic in seen or (capped and per_area.get(area, 0) >= MAX_TOPICS_PER_AREA):
                continue
            seen.add(topic)
            per_area[area] = per_area.get(area, 0) + 1
            kept.append(position)
    return kept


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
    plan = _plan(instrument)
    _check_answers(plan.known, instrument.slug, answers_a, "a")
    _check_answers(plan.known, instrument.slug, answers_b, "b")
    scores = [_score_area(instrument, area, answers_a, answers_b) for area in plan.areas]
    ranked = _ranked(scores)
    overall = _overall(scores)
    flags = _safety_flags(plan, answers_a, answers_b)
    return ComparisonResult(
        algorithm_version=ALGORITHM_VERSION,
        instrument=instrument.slug,
        instrument_version=instrument.version,
        areas=tuple(score.result for score in scores),
        ranked_areas=tuple(score.area.slug for score in ranked),
        disagreements=_disagreements(instrument, plan, answers_a, answers_b),
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


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain_dict(
    obj: ItemDisagreement | SafetyFlag | TopicSuggestion | AreaResult,
) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    return {name: getattr(obj, name) for name in names}


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
