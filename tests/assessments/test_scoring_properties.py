"""Properties of the scoring engine (product.md, "Scoring"), checked on random small instruments.

Every test runs a fixed number of derandomised examples, so a failure reproduces on every machine
and the file stays well under 20 seconds. No database and no Django are involved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal, TypeVar

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessments.engine.scoring import (
    MIN_ITEMS_FOR_PARTNER_NUMBERS,
    SAFETY_RATIONALE,
    AreaDef,
    AreaResult,
    Band,
    ComparisonResult,
    FlagRule,
    InstrumentDef,
    ItemDef,
    Kind,
    Sensitivity,
    TopicDef,
    compare,
    keyed,
)

PROPERTY = settings(
    max_examples=500,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
AREA_TRIGGERS = ("consensual_imbalance", "perception_gap", "low_wellbeing")
SAFETY_TOPIC = TopicDef("safety-first", "Safety first", areas=(), triggers=("safety",))
NAMES = ("Robin", "Kai")
T = TypeVar("T")
Direction = Literal["a", "b", "equal"]


@dataclass(frozen=True)
class Case:
    instrument: InstrumentDef
    topics: tuple[TopicDef, ...]
    a: dict[str, int]
    b: dict[str, int]

    def run(self) -> ComparisonResult:
        return compare(self.instrument, self.a, self.b, self.topics, names=NAMES)


# Each example is decoded from ONE drawn byte string: a few hundred small draws per example made
# generation, not scoring, the cost of this file. Hypothesis shrinks bytes towards 0, which decodes
# to one area, one item of each kind, and skipped answers.
MAX_AREAS, MAX_SHARES, MAX_WELLBEING = 4, 3, 4
MAX_ITEMS = MAX_AREAS * (MAX_SHARES + MAX_WELLBEING)
BLOB_SIZE = 1 + MAX_AREAS * (6 + MAX_SHARES + MAX_WELLBEING) + 3 * MAX_ITEMS
SHARE_SENSITIVITIES: tuple[Sensitivity, ...] = ("shared", "clinician")
# Every allowed wellbeing item shape: (kind, sensitivity, reverse, counts as wellbeing, flag rule).
# Safety items keep their healthy pole at "never"/"disagree", so they are always reverse-keyed.
WELLBEING_SPECS: tuple[tuple[Kind, Sensitivity, bool, bool, FlagRule], ...] = (
    ("agree", "shared", False, True, "graded"),
    ("agree", "shared", True, True, "graded"),
    ("agree", "clinician", False, True, "graded"),
    ("agree", "clinician", True, True, "graded"),
    ("agree", "clinician", True, False, "graded"),
    ("agree", "safety", True, True, "graded"),
    ("agree", "safety", True, True, "urgent"),
    ("frequency", "shared", False, True, "graded"),
    ("frequency", "shared", True, True, "graded"),
    ("frequency", "clinician", False, True, "graded"),
    ("frequency", "clinician", True, True, "graded"),
    ("frequency", "clinician", True, False, "graded"),
    ("frequency", "safety", True, True, "graded"),
    ("frequency", "safety", True, True, "urgent"),
)
TRIGGER_SETS = tuple(
    tuple(t for bit, t in enumerate(AREA_TRIGGERS) if mask >> bit & 1) for mask in range(1, 8)
)
# 0 decodes to "skipped": about one answer in six is skipped.
ANSWER_CHOICES = (0, 1, 2, 3, 4, 5)


class _Reader:
    """Reads a drawn byte string front to back, one choice per byte."""

    def __init__(self, raw: bytes) -> None:
        self.raw, self.pos = raw, 0

    def pick(self, options: Sequence[T]) -> T:
        byte = self.raw[self.pos]
        self.pos += 1
        return options[byte % len(options)]


def _area_items(read: _Reader, slug: str) -> list[ItemDef]:
    shares = read.pick(range(1, MAX_SHARES + 1))
    wellbeing = read.pick(range(1, MAX_WELLBEING + 1))
    items = [
        ItemDef(f"{slug}-share-{n}", slug, "share", f"Who decides {n}?", sensitivity=sensitivity)
        for n in range(shares)
        for sensitivity in [read.pick(SHARE_SENSITIVITIES)]
    ]
    for n in range(wellbeing):
        kind, sensitivity, reverse, wellbeing, flag = read.pick(WELLBEING_SPECS)
        items.append(
            ItemDef(
                f"{slug}-wellbeing-{n}",
                slug,
                kind,
                f"How things are {n}",
                reverse,
                sensitivity,
                wellbeing=wellbeing,
                flag=flag,
            )
        )
    return items


def _instrument(read: _Reader) -> tuple[InstrumentDef, tuple[TopicDef, ...]]:
    areas, items, topics = [], [], []
    slugs = [f"area-{n}" for n in range(read.pick(range(1, MAX_AREAS + 1)))]
    for n, slug in enumerate(slugs):
        items += _area_items(read, slug)
        topics.append(TopicDef(f"{slug}-topic", f"Topic {n}", (slug,), read.pick(TRIGGER_SETS)))
        areas.append(
            AreaDef(
                slug,
                f"Area {n}",
                weight=read.pick((0.1, 0.12, 0.25, 1 / 3, 0.5, 1.0)),
                sd=read.pick((12.0, 18.5, 20.0, 25.0)),
                reliability=read.pick((0.0, 0.7, 0.8, 0.85, 0.93)),
                topics=(f"{slug}-topic", "general", SAFETY_TOPIC.slug),
            )
        )
    topics += [TopicDef("general", "General", tuple(slugs), AREA_TRIGGERS), SAFETY_TOPIC]
    # Items of different areas may interleave; instrument order is the items' order.
    keys = [read.pick(range(256)) for _ in items]
    order = [item for _, _, item in sorted(zip(keys, range(len(items)), items, strict=True))]
    return InstrumentDef("generated", 1, tuple(areas), tuple(order)), tuple(topics)


def _answers(read: _Reader, items: Sequence[ItemDef]) -> dict[str, int]:
    picked = [(item.id, read.pick(ANSWER_CHOICES)) for item in items]
    return {item_id: answer for item_id, answer in picked if answer}


def _case(raw: bytes) -> Case:
    read = _Reader(raw)
    instrument, topics = _instrument(read)
    a = _answers(read, instrument.items)
    b = _answers(read, instrument.items)
    return Case(instrument, topics, a, b)


def cases() -> st.SearchStrategy[Case]:
    return st.binary(min_size=BLOB_SIZE, max_size=BLOB_SIZE).map(_case)


def answers_for(items: Sequence[ItemDef]) -> st.SearchStrategy[dict[str, int]]:
    size = len(items)
    return st.binary(min_size=size, max_size=size).map(lambda raw: _answers(_Reader(raw), items))


def _neg(value: float | None) -> float | None:
    return None if value is None else -value


def _mirrored(area: AreaResult) -> AreaResult:
    """What the area must look like when A and B are swapped."""
    flip: dict[Direction | None, Direction | None] = {"a": "b", "b": "a", "equal": "equal"}
    return AreaResult(
        slug=area.slug,
        title=area.title,
        scored=area.scored,
        p_a=_neg(area.p_b),
        p_b=_neg(area.p_a),
        consensual=_neg(area.consensual),
        direction=flip.get(area.direction),
        perception_gap=area.perception_gap,
        wellbeing_a=area.wellbeing_b,
        wellbeing_b=area.wellbeing_a,
        wellbeing_gap=area.wellbeing_gap,
        strain=area.strain,
        pca=area.pca,
        index=area.index,
        band=area.band,
        meaningful_gap=area.meaningful_gap,
        answered_a=area.answered_b,
        answered_b=area.answered_a,
        item_count=area.item_count,
    )


def _oracle_wellbeing(items: list[ItemDef], answers: Mapping[str, int]) -> float | None:
    values = [
        Fraction(keyed(item, answers[item.id]) - 1, 4) * 100
        for item in items
        if item.kind != "share"
        and item.sensitivity != "safety"
        and item.wellbeing
        and item.id in answers
    ]
    # Stored results carry 4 decimals; no 25 * k / n mean with n <= 4 ends on a 4-decimal tie.
    return None if not values else round(float(sum(values) / len(values)), 4)


def _numbers(*values: float | None) -> list[float]:
    # A scored area has every number except possibly PCA (no wellbeing item answered by both).
    assert None not in values
    return [value for value in values if value is not None]


def _items_of(instrument: InstrumentDef, area: str) -> list[ItemDef]:
    return [item for item in instrument.items if item.area == area]


def _endorses(item: ItemDef, answer: int) -> bool:
    return answer >= (2 if item.kind == "frequency" else 4)


@PROPERTY
@given(cases())
def test_swapping_partners_flips_every_sign_and_keeps_magnitudes(case: Case) -> None:
    result = case.run()
    swapped = compare(case.instrument, case.b, case.a, case.topics, names=NAMES)

    assert swapped.areas == tuple(_mirrored(area) for area in result.areas)
    assert swapped.ranked_areas == result.ranked_areas
    assert (swapped.overall_index, swapped.overall_band) == (
        result.overall_index,
        result.overall_band,
    )
    assert [(d.item_id, d.difference) for d in swapped.disagreements] == [
        (d.item_id, d.difference) for d in result.disagreements
    ]
    flip = {"a": "b", "b": "a"}
    assert {(f.item_id, f.level, f.answer, f.partner) for f in swapped.safety_flags} == {
        (f.item_id, f.level, f.answer, flip[f.partner]) for f in result.safety_flags
    }
    assert [(t.slug, t.area, t.trigger, t.score) for t in swapped.topics] == [
        (t.slug, t.area, t.trigger, t.score) for t in result.topics
    ]


@PROPERTY
@given(cases())
def test_identical_equal_shares_and_healthiest_wellbeing_score_zero_everywhere(case: Case) -> None:
    # Both partners skip the same items (those A skipped in the drawn case) and answer the rest
    # "both equally" on share items and at the healthy pole (keyed 5) on wellbeing items.
    instrument, topics = case.instrument, case.topics
    answers = {
        item.id: 3 if item.kind == "share" else (1 if item.reverse else 5)
        for item in instrument.items
        if item.id in case.a
    }

    result = compare(instrument, answers, dict(answers), topics)

    scored = [area for area in result.areas if area.scored]
    for area in scored:
        assert (area.consensual, area.perception_gap, area.direction) == (0.0, 0.0, "equal")
        assert (area.wellbeing_a, area.wellbeing_b, area.strain) == (100.0, 100.0, 0.0)
        assert (area.index, area.band, area.pca) == (0, Band.BALANCED, 100.0)
    assert result.overall_index == (0 if scored else None)
    assert result.overall_band == (Band.BALANCED if scored else None)
    assert result.disagreements == ()
    assert result.safety_flags == ()
    assert result.topics == ()


@PROPERTY
@given(cases())
def test_every_output_stays_in_its_range(case: Case) -> None:
    result = case.run()

    for area in result.areas:
        if not area.scored:
            numbers = (area.p_a, area.p_b, area.consensual, area.perception_gap, area.index)
            assert numbers == (None,) * 5
            assert (area.wellbeing_a, area.wellbeing_b, area.strain, area.pca) == (None,) * 4
            assert (area.direction, area.band, area.meaningful_gap) == (None, None, False)
            continue
        assert all(-1 <= x <= 1 for x in _numbers(area.p_a, area.p_b, area.consensual))
        gaps = _numbers(area.perception_gap, area.wellbeing_gap, area.strain)
        assert all(0 <= x <= 1 for x in gaps)
        assert all(0 <= x <= 100 for x in _numbers(area.wellbeing_a, area.wellbeing_b))
        assert area.pca is None or 0 <= area.pca <= 100
        assert all(0 <= x <= 100 for x in _numbers(area.index))
        assert 0 <= area.answered_a <= area.item_count
    indices = [area.index for area in result.areas if area.index is not None]
    if result.overall_index is not None:
        assert min(indices) <= result.overall_index <= max(indices)
    assert all(0 <= topic.score <= 100 for topic in result.topics)
    assert all(d.difference >= 2 for d in result.disagreements)
    assert len(result.disagreements) <= case.instrument.params.disagreement_count


@PROPERTY
@given(cases())
def test_the_same_input_always_gives_the_same_output(case: Case) -> None:
    first = case.run()
    again = compare(
        case.instrument,
        dict(reversed(case.a.items())),
        dict(reversed(case.b.items())),
        case.topics,
        names=NAMES,
    )

    assert first == again
    assert first.to_dict() == again.to_dict()


@PROPERTY
@given(cases())
def test_ranked_areas_are_the_scored_areas_by_index_descending(case: Case) -> None:
    result = case.run()

    position = {area.slug: n for n, area in enumerate(result.areas)}
    index = {area.slug: area.index for area in result.areas if area.index is not None}
    assert set(result.ranked_areas) == set(index)
    keys = [(-index[slug], position[slug]) for slug in result.ranked_areas]
    assert keys == sorted(keys)


@PROPERTY
@given(cases(), st.data())
def test_answering_items_of_other_areas_never_changes_an_area(
    case: Case, data: st.DataObject
) -> None:
    area = data.draw(st.sampled_from([area.slug for area in case.instrument.areas]))
    others = tuple(i for i in case.instrument.items if i.area != area and i.id not in case.a)
    extra = data.draw(answers_for(others))

    before = case.run().area(area)
    after = compare(case.instrument, case.a | extra, case.b, case.topics).area(area)

    assert after == before
    if before.scored:
        items = _items_of(case.instrument, area)
        assert before.wellbeing_a == _oracle_wellbeing(items, case.a)
        assert before.wellbeing_b == _oracle_wellbeing(items, case.b)


@PROPERTY
@given(cases(), st.data())
def test_removing_an_answer_is_not_the_same_as_answering_one(
    case: Case, data: st.DataObject
) -> None:
    assume(case.a)
    item_id = data.draw(st.sampled_from(sorted(case.a)))
    item = next(i for i in case.instrument.items if i.id == item_id)
    items = _items_of(case.instrument, item.area)
    removed_answers = {k: v for k, v in case.a.items() if k != item_id}
    one_answers = case.a | {item_id: 1}

    removed = compare(case.instrument, removed_answers, case.b, case.topics).area(item.area)
    one = compare(case.instrument, one_answers, case.b, case.topics).area(item.area)

    if item.sensitivity == "safety":
        # Safety answers feed the flags only: no area number may move with them.
        assert removed == one
        return
    assert removed.answered_a == one.answered_a - 1
    if removed.scored:
        assert removed.wellbeing_a == _oracle_wellbeing(items, removed_answers)
    if one.scored:
        assert one.wellbeing_a == _oracle_wellbeing(items, one_answers)
    if removed.scored and one.scored and item.kind != "share" and item.wellbeing:
        rest = _oracle_wellbeing(items, removed_answers)
        answered_one = 100.0 if item.reverse else 0.0
        assert (removed.wellbeing_a == one.wellbeing_a) is (rest == answered_one)


@PROPERTY
@given(cases())
def test_flags_are_exactly_the_endorsed_safety_answers(case: Case) -> None:
    result = case.run()

    expected = {
        (partner, item.id, answers[item.id])
        for partner, answers in (("a", case.a), ("b", case.b))
        for item in case.instrument.items
        if item.sensitivity == "safety" and item.id in answers and _endorses(item, answers[item.id])
    }
    assert {(f.partner, f.item_id, f.answer) for f in result.safety_flags} == expected
    items = {item.id: item for item in case.instrument.items}
    for flag in result.safety_flags:
        item = items[flag.item_id]
        strong = flag.answer >= (4 if item.kind == "frequency" else 5)
        assert flag.level == ("urgent" if item.flag == "urgent" or strong else "caution")
    levels = [f.level for f in result.safety_flags]
    assert levels == sorted(levels, key=lambda level: level != "urgent")


@PROPERTY
@given(cases(), st.data())
def test_any_safety_endorsement_yields_a_flag_and_puts_the_safety_topic_first(
    case: Case, data: st.DataObject
) -> None:
    safety = [item for item in case.instrument.items if item.sensitivity == "safety"]
    assume(safety)
    item = data.draw(st.sampled_from(safety))
    partner = data.draw(st.sampled_from(("a", "b")))
    answer = data.draw(st.integers(2, 5) if item.kind == "frequency" else st.integers(4, 5))
    a = case.a | {item.id: answer} if partner == "a" else case.a
    b = case.b | {item.id: answer} if partner == "b" else case.b

    result = compare(case.instrument, a, b, case.topics, names=NAMES)

    assert any(f.partner == partner and f.item_id == item.id for f in result.safety_flags)
    first = result.topics[0]
    assert (first.slug, first.area, first.trigger) == (SAFETY_TOPIC.slug, None, "safety")
    assert first.rationale == SAFETY_RATIONALE
    assert [t.slug for t in result.topics].count(SAFETY_TOPIC.slug) == 1


@PROPERTY
@given(cases())
def test_safety_items_never_appear_in_disagreements_or_rationales(case: Case) -> None:
    result = case.run()

    safety = {item.id for item in case.instrument.items if item.sensitivity == "safety"}
    assert not safety & {d.item_id for d in result.disagreements}
    assert not any(item_id in t.rationale for t in result.topics for item_id in safety)
    assert all(name not in result.topics[0].rationale for name in NAMES if result.safety_flags)


@PROPERTY
@given(cases())
def test_topics_are_deduplicated_capped_and_sorted_by_score(case: Case) -> None:
    result = case.run()

    rest = [t for t in result.topics if t.trigger != "safety"]
    assert len(rest) <= 8
    assert len({t.slug for t in result.topics}) == len(result.topics)
    assert [t.score for t in rest] == sorted((t.score for t in rest), reverse=True)
    bands = {area.slug: area.band for area in result.areas}
    assert all(bands[t.area] not in (None, Band.BALANCED) for t in rest if t.area is not None)


@PROPERTY
@given(cases())
def test_result_round_trips_exactly_through_dict_and_json(case: Case) -> None:
    result = case.run()

    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)

    assert ComparisonResult.from_dict(data) == result
    assert ComparisonResult.from_dict(json.loads(text)) == result
    assert json.loads(text) == data


def _without_safety_topic(result: ComparisonResult) -> ComparisonResult:
    return replace(
        result,
        safety_flags=(),
        topics=tuple(t for t in result.topics if t.trigger != "safety"),
    )


@PROPERTY
@given(cases(), st.data())
def test_safety_answers_never_move_anything_but_the_flags(case: Case, data: st.DataObject) -> None:
    safety = [item for item in case.instrument.items if item.sensitivity == "safety"]
    assume(safety)
    other_a = data.draw(answers_for(safety))
    other_b = data.draw(answers_for(safety))
    safety_ids = {item.id for item in safety}
    a = {k: v for k, v in case.a.items() if k not in safety_ids} | other_a
    b = {k: v for k, v in case.b.items() if k not in safety_ids} | other_b

    before = case.run()
    after = compare(case.instrument, a, b, case.topics, names=NAMES)

    assert _without_safety_topic(after) == _without_safety_topic(before)


@PROPERTY
@given(cases())
def test_the_overall_index_is_recomputable_from_the_displayed_area_indices(case: Case) -> None:
    result = case.run()

    weights = {area.slug: Fraction(repr(area.weight)) for area in case.instrument.areas}
    shown = [(weights[a.slug], a.index) for a in result.areas if a.index is not None]
    if not shown:
        assert result.overall_index is None
        return
    total = sum(weight for weight, _ in shown)
    if total == 0:
        shown, total = [(Fraction(1), index) for _, index in shown], Fraction(len(shown))
    mean = sum(weight * index for weight, index in shown) / total
    # Half up: floor(mean + 1/2).
    assert result.overall_index == int(mean + Fraction(1, 2))


@PROPERTY
@given(cases())
def test_areas_with_few_wellbeing_items_quote_no_partner_numbers(case: Case) -> None:
    result = case.run()

    for topic in result.topics:
        if topic.area is None:
            continue
        counted = [
            item
            for item in _items_of(case.instrument, topic.area)
            if item.kind != "share" and item.sensitivity != "safety" and item.wellbeing
        ]
        if len(counted) < MIN_ITEMS_FOR_PARTNER_NUMBERS:
            assert not any(name in topic.rationale for name in NAMES)
            title = next(a.title for a in case.instrument.areas if a.slug == topic.area)
            # The topic's and the area's names may hold digits; nothing else may.
            quoted = topic.rationale.replace(topic.title, "").replace(title, "")
            assert not any(ch.isdigit() for ch in quoted)
