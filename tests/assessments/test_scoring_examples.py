"""Worked examples for the scoring engine, every expected number computed by hand.

No database and no Django: the engine is pure, so these run in milliseconds.

The example instrument has three areas (default scoring parameters: weights 0.4/0.2/0.2/0.2,
bands 15/35/60, strain threshold 60, coverage 0.5, healthy_min 4, z 1.96, 5 disagreements):

    finances       weight 0.5  sd 18  r 0.80   fin-s1, fin-s2 (share), fin-w1 (agree),
                                               fin-w2 (frequency, reverse), fin-w3 (agree)
    communication  weight 0.3  sd 16  r 0.75   com-s1, com-s2 (share), com-w1 (agree),
                                               com-w2 (agree, reverse, clinician),
                                               com-w3 (frequency, reverse, clinician, own
                                               behaviour: not wellbeing), com-w4 (agree)
    trust          weight 0.2  sd 20  r 0.85   tru-s1 (share), tru-w1 (agree),
                                               tru-w2 (frequency, reverse, safety),
                                               tru-w3 (agree, reverse, safety, urgent),
                                               tru-w4 (agree)

Reminders: share s = (3 - x) / 2 for A and (x - 3) / 2 for B; keyed k = 6 - x on reverse items;
wellbeing = mean((k - 1) * 25) over the non-safety items that count as wellbeing;
I = 100 * (0.4 |c| + 0.2 g + 0.2 gap + 0.2 strain); safety items only raise flags, and an area
with fewer than 3 wellbeing items (trust) gets a rationale without per-partner numbers.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal

import pytest

from assessments.engine.scoring import (
    ALGORITHM_VERSION,
    SAFETY_RATIONALE,
    AreaDef,
    AreaResult,
    Band,
    ComparisonResult,
    InstrumentDef,
    ItemDef,
    ItemDisagreement,
    SafetyFlag,
    ScoringParams,
    TopicDef,
    TopicSuggestion,
    band_for,
    compare,
    reliable_change,
    trend,
)

AREAS = (
    AreaDef(
        "finances",
        "Finances",
        weight=0.5,
        sd=18.0,
        reliability=0.80,
        topics=("financial-transparency", "shared-decision-making"),
    ),
    AreaDef(
        "communication",
        "Communication",
        weight=0.3,
        sd=16.0,
        reliability=0.75,
        topics=("open-communication",),
    ),
    AreaDef(
        "trust",
        "Trust",
        weight=0.2,
        sd=20.0,
        reliability=0.85,
        topics=("building-trust", "individual-safety-check-in"),
    ),
)
ITEMS = (
    ItemDef("fin-s1", "finances", "share", "Who decides on large purchases?"),
    ItemDef("fin-s2", "finances", "share", "Who knows where our money goes?"),
    ItemDef("fin-w1", "finances", "agree", "I have a fair say in how we spend money."),
    ItemDef("fin-w2", "finances", "frequency", "My spending is checked.", reverse=True),
    ItemDef("fin-w3", "finances", "agree", "I know what we have and what we owe."),
    ItemDef("com-s1", "communication", "share", "Whose view wins when we talk things over?"),
    ItemDef("com-s2", "communication", "share", "Who chooses what we talk about?"),
    ItemDef("com-w1", "communication", "agree", "I feel listened to."),
    ItemDef(
        "com-w2",
        "communication",
        "agree",
        "I keep things to myself to avoid a row.",
        reverse=True,
        sensitivity="clinician",
    ),
    ItemDef(
        "com-w3",
        "communication",
        "frequency",
        "I talk over my partner.",
        reverse=True,
        sensitivity="clinician",
        wellbeing=False,
    ),
    ItemDef("com-w4", "communication", "agree", "We check that we have understood each other."),
    ItemDef("tru-s1", "trust", "share", "Who decides whom we see?"),
    ItemDef("tru-w1", "trust", "agree", "I can rely on my partner."),
    ItemDef(
        "tru-w2",
        "trust",
        "frequency",
        "I am afraid of how my partner will react.",
        reverse=True,
        sensitivity="safety",
    ),
    ItemDef(
        "tru-w3",
        "trust",
        "agree",
        "I feel afraid or unsafe at home.",
        reverse=True,
        sensitivity="safety",
        flag="urgent",
    ),
    ItemDef("tru-w4", "trust", "agree", "My partner is honest with me."),
)
INSTRUMENT = InstrumentDef("example", 3, AREAS, ITEMS)
TOPICS = (
    TopicDef(
        "shared-decision-making",
        "Making decisions together",
        areas=("finances", "communication"),
        triggers=("consensual_imbalance", "perception_gap"),
    ),
    TopicDef(
        "financial-transparency",
        "Financial transparency",
        areas=("finances",),
        triggers=("consensual_imbalance", "low_wellbeing"),
    ),
    TopicDef(
        "open-communication",
        "Open communication",
        areas=("communication",),
        triggers=("perception_gap", "low_wellbeing"),
    ),
    TopicDef("building-trust", "Building trust", areas=("trust",), triggers=("low_wellbeing",)),
    TopicDef(
        "individual-safety-check-in",
        "Individual safety check-in",
        areas=("trust",),
        triggers=("safety",),
    ),
)

# Shares "both equally" (3), every wellbeing item at its healthy pole (keyed 5, so raw 1 when
# reversed), no safety item endorsed.
HEALTHY = {
    "fin-s1": 3,
    "fin-s2": 3,
    "fin-w1": 5,
    "fin-w2": 1,
    "fin-w3": 5,
    "com-s1": 3,
    "com-s2": 3,
    "com-w1": 5,
    "com-w2": 1,
    "com-w3": 1,
    "com-w4": 5,
    "tru-s1": 3,
    "tru-w1": 5,
    "tru-w2": 1,
    "tru-w3": 1,
    "tru-w4": 5,
}

# Both say A decides finances; B's finance wellbeing is low.
FINANCES_A = {"fin-s1": 1, "fin-s2": 2}
FINANCES_B = {"fin-s1": 5, "fin-s2": 4, "fin-w1": 2, "fin-w2": 3, "fin-w3": 2}
A_DECIDES_A = {**HEALTHY, **FINANCES_A}
A_DECIDES_B = {**HEALTHY, **FINANCES_B}
# Each says "I hold the say in communication"; A often talks over B (own behaviour).
COMMUNICATION_A = {"com-s1": 1, "com-s2": 2, "com-w1": 4, "com-w2": 2, "com-w3": 4, "com-w4": 4}
COMMUNICATION_B = {"com-s1": 1, "com-s2": 2}
GAP_A = {**HEALTHY, **COMMUNICATION_A}
GAP_B = {**HEALTHY, **COMMUNICATION_B}
# Both endorse safety items; trust wellbeing is low for both.
SAFETY_A = {**HEALTHY, "tru-w1": 1, "tru-w2": 4, "tru-w3": 4, "tru-w4": 1}
SAFETY_B = {**HEALTHY, "tru-w1": 2, "tru-w2": 2, "tru-w3": 5, "tru-w4": 2}


def _without(answers: dict[str, int], *item_ids: str) -> dict[str, int]:
    return {key: value for key, value in answers.items() if key not in item_ids}


def _zero_area(slug: str, title: str, item_count: int) -> AreaResult:
    return AreaResult(
        slug=slug,
        title=title,
        scored=True,
        p_a=0.0,
        p_b=0.0,
        consensual=0.0,
        direction="equal",
        perception_gap=0.0,
        wellbeing_a=100.0,
        wellbeing_b=100.0,
        wellbeing_gap=0.0,
        strain=0.0,
        pca=100.0,
        index=0,
        band=Band.BALANCED,
        meaningful_gap=False,
        answered_a=item_count,
        answered_b=item_count,
        item_count=item_count,
    )


HEALTHY_FINANCES = _zero_area("finances", "Finances", 5)
HEALTHY_COMMUNICATION = _zero_area("communication", "Communication", 6)
# The two safety items are not among the area's scored items.
HEALTHY_TRUST = _zero_area("trust", "Trust", 3)

# finances: p_A = ((3-1) + (3-2)) / (2*2) = 0.75; p_B = ((5-3) + (4-3)) / 4 = 0.75
#   c = 0.75 (A), g = 0; w_A = 100; w_B: fin-w1 k=2 -> 25, fin-w2 k=6-3=3 -> 50, fin-w3 k=2 -> 25,
#   so 100/3 = 33.3333; gap = 2/3 = 0.6667; strain = (60 - 100/3) / 60 = 4/9 = 0.4444; PCA 0 of 3
#   I = 100 * (0.4*0.75 + 0 + 0.2*2/3 + 0.2*4/9) = 30 + 13.333 + 8.889 = 52.22 -> 52
#   meaningful: 66.67 > 1.96 * 18 * sqrt(2 - 0.8 - 0.8) = 22.31 -> True
A_DECIDES_FINANCES = AreaResult(
    slug="finances",
    title="Finances",
    scored=True,
    p_a=0.75,
    p_b=0.75,
    consensual=0.75,
    direction="a",
    perception_gap=0.0,
    wellbeing_a=100.0,
    wellbeing_b=33.3333,
    wellbeing_gap=0.6667,
    strain=0.4444,
    pca=0.0,
    index=52,
    band=Band.IMBALANCED,
    meaningful_gap=True,
    answered_a=5,
    answered_b=5,
    item_count=5,
)
# communication: p_A = (2 + 1) / 4 = 0.75; p_B = ((1-3) + (2-3)) / 4 = -0.75
#   c = 0 (equal), g = 1.5 / 2 = 0.75; w_A: com-w1 k=4, com-w2 k=6-2=4, com-w4 k=4 -> 75 each, so
#   75 (com-w3 is own behaviour: not wellbeing, not PCA); w_B = 100; gap 0.25; strain
#   max(0, (60 - 75) / 60) = 0; PCA: com-w1, w2, w4 healthy for both = 100 (com-w3, keyed 2 for A,
#   would have made it 75)
#   I = 100 * (0 + 0.2*0.75 + 0.2*0.25 + 0) = 20 -> watch
#   meaningful: 25 > 1.96 * 16 * sqrt(2 - 0.75 - 0.75) = 22.17 -> True
PERCEPTION_GAP_COMMUNICATION = AreaResult(
    slug="communication",
    title="Communication",
    scored=True,
    p_a=0.75,
    p_b=-0.75,
    consensual=0.0,
    direction="equal",
    perception_gap=0.75,
    wellbeing_a=75.0,
    wellbeing_b=100.0,
    wellbeing_gap=0.25,
    strain=0.0,
    pca=100.0,
    index=20,
    band=Band.WATCH,
    meaningful_gap=True,
    answered_a=6,
    answered_b=6,
    item_count=6,
)
# trust: c = g = 0 (tru-s1 both 3); the safety items tru-w2 and tru-w3 enter no number
#   w_A: tru-w1 k=1 -> 0, tru-w4 k=1 -> 0: 0; w_B: tru-w1 k=2 -> 25, tru-w4 k=2 -> 25: 25
#   gap = 0.25; strain = (60 - 0) / 60 = 1; PCA 0 of 2
#   I = 100 * (0.2*0.25 + 0.2*1) = 25 -> watch
#   meaningful: 25 > 1.96 * 20 * sqrt(2 - 0.85 - 0.85) = 21.47 -> True
LOW_TRUST = AreaResult(
    slug="trust",
    title="Trust",
    scored=True,
    p_a=0.0,
    p_b=0.0,
    consensual=0.0,
    direction="equal",
    perception_gap=0.0,
    wellbeing_a=0.0,
    wellbeing_b=25.0,
    wellbeing_gap=0.25,
    strain=1.0,
    pca=0.0,
    index=25,
    band=Band.WATCH,
    meaningful_gap=True,
    answered_a=3,
    answered_b=3,
    item_count=3,
)
# A answered tru-w1 only: 1 of 3 scored items < 0.5 coverage.
UNSCORED_TRUST = AreaResult(
    slug="trust",
    title="Trust",
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
    answered_a=1,
    answered_b=3,
    item_count=3,
)

CONSENSUAL_RATIONALE = (
    "Both partners say Partner A holds more say in Finances (c = +0.75); "
    "Partner B's wellbeing here is 33 vs Partner A's 100."
)
PERCEPTION_RATIONALE = (
    "Partners see who holds the say in Communication differently "
    "(gap 0.75: Partner A p = +0.75, Partner B p = -0.75)."
)
# Trust has two wellbeing items: a per-partner number would be those answers.
LOW_TRUST_RATIONALE = "Trust is among the areas most out of balance on this assessment."

# Scores are index * driver: finances 52 * |c| 0.75 = 39 for both finance topics
# (financial-transparency: |c| 0.75 beats max(strain, gap) = 2/3). The tie keeps the area's own
# topic order.
FINANCE_TOPICS = (
    TopicSuggestion(
        "financial-transparency",
        "Financial transparency",
        "finances",
        "consensual_imbalance",
        39.0,
        "Financial transparency works on a say that both partners' answers place on one side. "
        + CONSENSUAL_RATIONALE,
    ),
    TopicSuggestion(
        "shared-decision-making",
        "Making decisions together",
        "finances",
        "consensual_imbalance",
        39.0,
        "Making decisions together works on a say that both partners' answers place on one "
        "side. " + CONSENSUAL_RATIONALE,
    ),
)
# communication 20 * g 0.75 = 15 (g beats max(strain 0, gap 0.25)). shared-decision-making lists
# communication among its areas, but the communication area does not name it, so it is not offered.
COMMUNICATION_TOPIC = TopicSuggestion(
    "open-communication",
    "Open communication",
    "communication",
    "perception_gap",
    15.0,
    "Open communication works on partners seeing the balance of say differently. "
    + PERCEPTION_RATIONALE,
)
SAFETY_TOPIC = TopicSuggestion(
    "individual-safety-check-in",
    "Individual safety check-in",
    None,
    "safety",
    100.0,
    SAFETY_RATIONALE,
)

EXAMPLES: dict[str, dict[str, Any]] = {
    "balanced healthy couple": {
        "a": HEALTHY,
        "b": HEALTHY,
        "areas": (HEALTHY_FINANCES, HEALTHY_COMMUNICATION, HEALTHY_TRUST),
        # all indices 0: ties keep instrument order
        "ranked": ("finances", "communication", "trust"),
        "overall": (0, Band.BALANCED),
        "disagreements": (),
        "flags": (),
        "topics": (),
    },
    "both say A decides finances": {
        "a": A_DECIDES_A,
        "b": A_DECIDES_B,
        "areas": (A_DECIDES_FINANCES, HEALTHY_COMMUNICATION, HEALTHY_TRUST),
        "ranked": ("finances", "communication", "trust"),
        # (0.5*52 + 0.3*0 + 0.2*0) / 1.0 = 26 -> watch
        "overall": (26, Band.WATCH),
        # fin-w1 keyed 5 vs 2 (3); fin-w3 5 vs 2 (3); fin-w2 5 vs 6-3=3 (2); shares 1 vs 6-5=1 and
        # 2 vs 6-4=2 agree on the common axis
        "disagreements": (
            ItemDisagreement("fin-w1", "finances", ITEMS[2].text, 5, 2, 3),
            ItemDisagreement("fin-w3", "finances", ITEMS[4].text, 5, 2, 3),
            ItemDisagreement("fin-w2", "finances", ITEMS[3].text, 5, 3, 2),
        ),
        "flags": (),
        "topics": FINANCE_TOPICS,
    },
    "perception-gap couple": {
        "a": GAP_A,
        "b": GAP_B,
        "areas": (HEALTHY_FINANCES, PERCEPTION_GAP_COMMUNICATION, HEALTHY_TRUST),
        "ranked": ("communication", "finances", "trust"),
        # 0.3 * 20 / 1.0 = 6 -> balanced
        "overall": (6, Band.BALANCED),
        # com-s1: A 1 vs B 6-1=5 (4); com-w3 (own behaviour, still shown to the counsellor):
        # keyed 6-4=2 vs 5 (3); com-s2: 2 vs 6-2=4 (2); wellbeing items differ by 1 only
        "disagreements": (
            ItemDisagreement("com-s1", "communication", ITEMS[5].text, 1, 5, 4),
            ItemDisagreement("com-w3", "communication", ITEMS[9].text, 2, 5, 3, "clinician"),
            ItemDisagreement("com-s2", "communication", ITEMS[6].text, 2, 4, 2),
        ),
        "flags": (),
        "topics": (COMMUNICATION_TOPIC,),
    },
    "low coverage in one area": {
        "a": {
            **A_DECIDES_A,
            **COMMUNICATION_A,
            "tru-s1": 0,
            "tru-w2": 0,
            "tru-w3": 0,
            "tru-w4": 0,
        },
        "b": {**A_DECIDES_B, **COMMUNICATION_B},
        "areas": (
            A_DECIDES_FINANCES,
            PERCEPTION_GAP_COMMUNICATION,
            UNSCORED_TRUST,
        ),
        "ranked": ("finances", "communication"),
        # weights renormalised over scored areas: (0.5*52 + 0.3*20) / 0.8 = 32 / 0.8 = 40
        "overall": (40, Band.IMBALANCED),
        # largest differences first, ties in instrument order; five at most
        "disagreements": (
            ItemDisagreement("com-s1", "communication", ITEMS[5].text, 1, 5, 4),
            ItemDisagreement("fin-w1", "finances", ITEMS[2].text, 5, 2, 3),
            ItemDisagreement("fin-w3", "finances", ITEMS[4].text, 5, 2, 3),
            ItemDisagreement("com-w3", "communication", ITEMS[9].text, 2, 5, 3, "clinician"),
            ItemDisagreement("fin-w2", "finances", ITEMS[3].text, 5, 3, 2),
        ),
        "flags": (),
        "topics": (*FINANCE_TOPICS, COMMUNICATION_TOPIC),
    },
    "safety items endorsed by both partners": {
        "a": SAFETY_A,
        "b": SAFETY_B,
        "areas": (HEALTHY_FINANCES, HEALTHY_COMMUNICATION, LOW_TRUST),
        "ranked": ("trust", "finances", "communication"),
        # 0.2 * 25 / 1.0 = 5 -> balanced
        "overall": (5, Band.BALANCED),
        # tru-w2 (keyed 2 vs 4) would qualify, but safety items are never listed
        "disagreements": (),
        # tru-w2 (graded frequency): 4 -> urgent, 2 -> caution; tru-w3 (any agreement is urgent):
        # 4 and 5 -> urgent. Urgent first, then instrument order, A before B.
        "flags": (
            SafetyFlag("a", "tru-w2", "trust", "urgent", 4),
            SafetyFlag("a", "tru-w3", "trust", "urgent", 4),
            SafetyFlag("b", "tru-w3", "trust", "urgent", 5),
            SafetyFlag("b", "tru-w2", "trust", "caution", 2),
        ),
        # building-trust: 25 * max(strain 1, gap 0.25) = 25
        "topics": (
            SAFETY_TOPIC,
            TopicSuggestion(
                "building-trust",
                "Building trust",
                "trust",
                "low_wellbeing",
                25.0,
                "Building trust works on low or unequal wellbeing. " + LOW_TRUST_RATIONALE,
            ),
        ),
    },
}


def _drop_zero(answers: dict[str, int]) -> dict[str, int]:
    # 0 marks "skipped" in the tables above.
    return {key: value for key, value in answers.items() if value != 0}


@pytest.mark.parametrize("name", EXAMPLES)
def test_worked_example_gives_the_hand_computed_numbers(name: str) -> None:
    example = EXAMPLES[name]
    result = compare(INSTRUMENT, _drop_zero(example["a"]), _drop_zero(example["b"]), TOPICS)

    assert result.algorithm_version == ALGORITHM_VERSION
    assert (result.instrument, result.instrument_version) == ("example", 3)
    assert result.areas == example["areas"]
    assert result.ranked_areas == example["ranked"]
    assert (result.overall_index, result.overall_band) == example["overall"]
    assert result.disagreements == example["disagreements"]
    assert result.safety_flags == example["flags"]
    assert result.topics == example["topics"]


def test_swapping_the_decides_finances_couple_points_everything_at_partner_b() -> None:
    result = compare(INSTRUMENT, A_DECIDES_B, A_DECIDES_A, TOPICS)

    finances = result.area("finances")
    assert (finances.p_a, finances.p_b, finances.consensual) == (-0.75, -0.75, -0.75)
    assert finances.direction == "b"
    assert (finances.wellbeing_a, finances.wellbeing_b) == (33.3333, 100.0)
    assert (finances.index, finances.band, finances.strain) == (52, Band.IMBALANCED, 0.4444)
    assert result.topics[0].rationale == (
        "Financial transparency works on a say that both partners' answers place on one side. "
        "Both partners say Partner B holds more say in Finances (c = -0.75); "
        "Partner A's wellbeing here is 33 vs Partner B's 100."
    )


def test_rationale_uses_the_partner_names_given() -> None:
    result = compare(INSTRUMENT, A_DECIDES_A, A_DECIDES_B, TOPICS, names=("Sam", "Alex"))

    assert result.topics[0].rationale == (
        "Financial transparency works on a say that both partners' answers place on one side. "
        "Both partners say Sam holds more say in Finances (c = +0.75); "
        "Alex's wellbeing here is 33 vs Sam's 100."
    )


def test_rationale_says_on_balance_when_only_one_partner_sees_the_imbalance() -> None:
    # A: p = ((3-1) + (3-1)) / 4 = +1; B says "both equally": p = 0. c = +0.5, g = 0.5.
    # I = 100 * (0.4*0.5 + 0.2*0.5) = 30 -> watch. financial-transparency: |c| 0.5 beats
    # wellbeing 0. shared-decision-making: |c| 0.5 ties g 0.5, so its first trigger wins.
    # Both score 30 * 0.5 = 15.
    result = compare(INSTRUMENT, {**HEALTHY, "fin-s1": 1, "fin-s2": 1}, HEALTHY, TOPICS)

    numbers = (
        "On balance Partner A holds more say in Finances (c = +0.50; Partner A p = +1.00, "
        "Partner B p = +0.00); Partner B's wellbeing here is 100 vs Partner A's 100."
    )
    one_side = "works on a say that both partners' answers place on one side."
    assert result.area("finances").index == 30
    assert [(t.slug, t.trigger, t.score, t.rationale) for t in result.topics] == [
        (
            "financial-transparency",
            "consensual_imbalance",
            15.0,
            f"Financial transparency {one_side} {numbers}",
        ),
        (
            "shared-decision-making",
            "consensual_imbalance",
            15.0,
            f"Making decisions together {one_side} {numbers}",
        ),
    ]


def test_wellbeing_gap_rationale_when_nobody_is_under_strain() -> None:
    # communication w_A: com-w1 k=1 -> 0, com-w2 k=5 -> 100, com-w4 k=3 -> 50: 50; w_B 100.
    # gap 0.5; strain
    # (60 - 50) / 60 = 0.1667 < gap. I = 100 * (0.2*0.5 + 0.2*(1/6)) = 13.33 -> 13, balanced:
    # no topic. Push the shares apart too: A com-s1=2 -> p_A = (1 + 0) / 4 = 0.25, B 3 -> 0:
    # c = 0.125, g = 0.125; I = 100 * (0.05 + 0.025 + 0.1 + 0.0333) = 20.83 -> 21, watch.
    # open-communication: max(g 0.125, low_wellbeing max(0.1667, 0.5) = 0.5) -> 21 * 0.5 = 10.5.
    a = {**HEALTHY, "com-s1": 2, "com-w1": 1, "com-w4": 3}
    result = compare(INSTRUMENT, a, HEALTHY, TOPICS)

    assert result.area("communication").index == 21
    assert result.topics == (
        TopicSuggestion(
            "open-communication",
            "Open communication",
            "communication",
            "low_wellbeing",
            10.5,
            "Open communication works on low or unequal wellbeing. "
            "Wellbeing in Communication differs between partners "
            "(Partner A 50, Partner B 100; gap 0.50).",
        ),
    )


def test_an_index_of_exactly_32_5_rounds_half_away_from_zero() -> None:
    # finances: A shares 1, 1 -> p_A = 1; B shares 1, 2 -> p_B = (-2 - 1) / 4 = -0.75
    #   c = 0.125, g = 0.875; w_A: fin-w1 k=5 -> 100, fin-w2 k=5 -> 100, fin-w3 k=3 -> 50: 250/3;
    #   w_B: fin-w1 k=1 -> 0, fin-w2 raw 2 -> k=4 -> 75, fin-w3 k=4 -> 75: 50; gap 1/3;
    #   strain 10/60 = 1/6
    #   I = 100 * (1/20 + 7/40 + 1/15 + 1/30) = 100 * 39/120 = 32.5 -> 33 (half-to-even: 32)
    a = {**HEALTHY, "fin-s1": 1, "fin-s2": 1, "fin-w1": 5, "fin-w2": 1, "fin-w3": 3}
    b = {**HEALTHY, "fin-s1": 1, "fin-s2": 2, "fin-w1": 1, "fin-w2": 2, "fin-w3": 4}

    finances = compare(INSTRUMENT, a, b, TOPICS).area("finances")

    assert (finances.consensual, finances.perception_gap) == (0.125, 0.875)
    assert (finances.wellbeing_gap, finances.strain) == (0.3333, 0.1667)
    assert finances.index == 33


@pytest.mark.parametrize(
    ("a_answers", "answered", "scored"),
    [
        pytest.param({"tru-w1": 5}, 1, False, id="one of three answered"),
        pytest.param({"tru-w1": 5, "tru-w4": 5}, 2, False, id="no share item answered"),
        pytest.param({"tru-s1": 3}, 1, False, id="no wellbeing item answered"),
        pytest.param(
            {"tru-s1": 3, "tru-w2": 1, "tru-w3": 1}, 1, False, id="only safety items beside"
        ),
        pytest.param({"tru-s1": 3, "tru-w1": 5}, 2, True, id="two of three with both kinds"),
    ],
)
def test_an_area_is_scored_only_with_enough_answers_of_both_kinds(
    a_answers: dict[str, int], answered: int, scored: bool
) -> None:
    a = _without(HEALTHY, "tru-s1", "tru-w1", "tru-w2", "tru-w3", "tru-w4") | a_answers

    trust = compare(INSTRUMENT, a, HEALTHY, TOPICS).area("trust")

    assert trust.scored is scored
    assert (trust.index is not None) is scored
    # Safety items are counted nowhere outside the flags.
    assert (trust.answered_a, trust.answered_b, trust.item_count) == (answered, 3, 3)


def test_no_area_scored_gives_no_overall_index() -> None:
    result = compare(INSTRUMENT, {"fin-w1": 5}, HEALTHY, TOPICS)

    assert result.overall_index is None
    assert result.overall_band is None
    assert result.ranked_areas == ()
    assert all(not area.scored for area in result.areas)


def test_a_skipped_item_is_left_out_of_the_mean_and_not_counted_as_zero() -> None:
    # B is healthy. A skips com-w1: w_A = (com-w2 + com-w4) / 2 = 100 (not (0 + 200) / 3).
    # A answers com-w1 = 1 instead: w_A = (0 + 100 + 100) / 3 = 66.67.
    skipped = compare(INSTRUMENT, _without(HEALTHY, "com-w1"), HEALTHY, TOPICS)
    answered_one = compare(INSTRUMENT, {**HEALTHY, "com-w1": 1}, HEALTHY, TOPICS)

    assert skipped.area("communication").wellbeing_a == 100.0
    assert answered_one.area("communication").wellbeing_a == 66.6667
    assert skipped.area("communication").answered_a == 5


@pytest.mark.parametrize(
    ("item_id", "answer", "level"),
    [
        pytest.param("tru-w2", 1, None, id="frequency never"),
        pytest.param("tru-w2", 2, "caution", id="frequency rarely"),
        pytest.param("tru-w2", 3, "caution", id="frequency sometimes"),
        pytest.param("tru-w2", 4, "urgent", id="frequency often"),
        pytest.param("tru-w2", 5, "urgent", id="frequency very often"),
        # "I feel afraid or unsafe at home": any agreement is urgent
        pytest.param("tru-w3", 2, None, id="disagree"),
        pytest.param("tru-w3", 3, None, id="agree neutral"),
        pytest.param("tru-w3", 4, "urgent", id="agree"),
        pytest.param("tru-w3", 5, "urgent", id="strongly agree"),
    ],
)
def test_safety_answer_raises_a_caution_or_urgent_flag(
    item_id: str, answer: int, level: Literal["caution", "urgent"] | None
) -> None:
    result = compare(INSTRUMENT, HEALTHY, {**HEALTHY, item_id: answer}, TOPICS)

    expected = () if level is None else (SafetyFlag("b", item_id, "trust", level, answer),)
    assert result.safety_flags == expected
    assert (result.topics[:1] == (SAFETY_TOPIC,)) is (level is not None)


def test_safety_flags_are_raised_even_when_the_area_is_not_scored() -> None:
    result = compare(INSTRUMENT, {"tru-w2": 5}, HEALTHY, TOPICS)

    assert not result.area("trust").scored
    assert result.safety_flags == (SafetyFlag("a", "tru-w2", "trust", "urgent", 5),)
    assert result.topics == (SAFETY_TOPIC,)


def test_safety_rationale_names_neither_partner_nor_item() -> None:
    result = compare(INSTRUMENT, SAFETY_A, SAFETY_B, TOPICS, names=("Sam", "Alex"))
    text = result.topics[0].rationale

    for secret in ("Sam", "Alex", "tru-w2", "tru-w3", "afraid", "safe at home", "Trust"):
        assert secret not in text


def test_safety_topic_is_supplied_even_if_the_library_lacks_one() -> None:
    library = tuple(topic for topic in TOPICS if "safety" not in topic.triggers)

    result = compare(INSTRUMENT, SAFETY_A, SAFETY_B, library)

    assert result.topics[0] == SAFETY_TOPIC


def test_only_the_top_disagreements_are_listed_largest_first() -> None:
    # A healthy. B: fin-s1 1 -> common axis 6-1=5 vs 3 (2); fin-w1 k1 (4); fin-w2 raw 5 -> k1 (4);
    # com-w1 k2 (3); com-w2 raw 5 -> k1 (4); tru-w1 k1 (4). Top 5: the four 4s in instrument order,
    # then com-w1; fin-s1 (2) falls off.
    b = {**HEALTHY, "fin-s1": 1, "fin-w1": 1, "fin-w2": 5, "com-w1": 2, "com-w2": 5, "tru-w1": 1}

    result = compare(INSTRUMENT, HEALTHY, b, TOPICS)

    assert [(d.item_id, d.difference) for d in result.disagreements] == [
        ("fin-w1", 4),
        ("fin-w2", 4),
        ("com-w2", 4),
        ("tru-w1", 4),
        ("com-w1", 3),
    ]
    assert result.disagreements[2].sensitivity == "clinician"


def test_meaningful_gap_must_exceed_the_threshold_strictly() -> None:
    # With z = 1, sd = 25, r = 0.5 the threshold is 1 * 25 * sqrt(2 - 0.5 - 0.5) = 25 exactly;
    # the perception-gap couple differs by |75 - 100| = 25 in communication: not meaningful.
    # sd 24.9 puts the threshold at 24.9: meaningful.
    def communication(sd: float) -> AreaResult:
        areas = tuple(
            dataclasses.replace(area, sd=sd, reliability=0.5)
            if area.slug == "communication"
            else area
            for area in AREAS
        )
        instrument = InstrumentDef(
            "example", 3, areas, ITEMS, params=ScoringParams(meaningful_z=1.0)
        )
        return compare(instrument, GAP_A, GAP_B, TOPICS).area("communication")

    assert communication(25.0).meaningful_gap is False
    assert communication(24.9).meaningful_gap is True


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (0, Band.BALANCED),
        (14.99, Band.BALANCED),
        (15, Band.WATCH),
        (34.99, Band.WATCH),
        (35, Band.IMBALANCED),
        (59.99, Band.IMBALANCED),
        (60, Band.SEVERE),
        (100, Band.SEVERE),
    ],
)
def test_band_boundaries_belong_to_the_higher_band(index: float, band: Band) -> None:
    assert band_for(index, ScoringParams()) is band


@pytest.mark.parametrize(
    ("x1", "x2", "sd", "reliability", "z", "expected"),
    [
        # 1 * 10 * sqrt(2) * sqrt(1 - 0.5) = 10 exactly: equal is not a change, just over is
        (0, 10, 10.0, 0.5, 1.0, False),
        (0, 10.01, 10.0, 0.5, 1.0, True),
        (10, 0, 10.0, 0.5, 1.0, False),
        (10.01, 0, 10.0, 0.5, 1.0, True),
        # defaults for the overall index: 1.96 * 12 * sqrt(2) * sqrt(0.15) = 12.8824
        (40, 52.88, 12.0, 0.85, 1.96, False),
        (40, 52.89, 12.0, 0.85, 1.96, True),
        # perfectly reliable: any change is real, no change is not
        (30, 30, 12.0, 1.0, 1.96, False),
        (30, 31, 12.0, 1.0, 1.96, True),
    ],
)
def test_reliable_change_needs_a_difference_strictly_above_the_threshold(
    x1: float, x2: float, sd: float, reliability: float, z: float, expected: bool
) -> None:
    assert reliable_change(x1, x2, sd=sd, reliability=reliability, z=z) is expected


def test_reliable_change_uses_z_1_96_by_default() -> None:
    # 1.96 * 10 * sqrt(2) * sqrt(0.5) = 19.6
    assert reliable_change(0, 19.6, sd=10.0, reliability=0.5) is False
    assert reliable_change(0, 19.61, sd=10.0, reliability=0.5) is True


def test_trend_marks_reliable_changes_against_the_previous_point() -> None:
    intake = compare(INSTRUMENT, A_DECIDES_A, A_DECIDES_B, TOPICS)  # overall 26, finances 52
    week_6 = compare(INSTRUMENT, HEALTHY, HEALTHY, TOPICS)  # all 0
    week_12 = compare(INSTRUMENT, GAP_A, GAP_B, TOPICS)  # overall 6, communication 20
    week_18 = compare(INSTRUMENT, _without(HEALTHY, "tru-s1", "tru-w2", "tru-w3"), HEALTHY, TOPICS)

    points = trend(
        [("Intake", intake), ("Week 6", week_6), ("Week 12", week_12), ("Week 18", week_18)],
        INSTRUMENT,
    )

    assert [p.label for p in points] == ["Intake", "Week 6", "Week 12", "Week 18"]
    assert [p.overall_index for p in points] == [26, 0, 6, 0]
    # overall: |0 - 26| = 26 > 12.88 (sd 12, r 0.85); |6 - 0| = 6 and |0 - 6| = 6 are not
    assert [p.overall_reliable_change for p in points] == [False, True, False, False]
    # finances: |0 - 52| = 52 > 1.96 * 18 * sqrt(2) * sqrt(0.2) = 22.31;
    # communication: |20 - 0| = 20 < 1.96 * 16 * sqrt(2) * sqrt(0.25) = 22.17; trust unscored at
    # week 18 cannot change reliably
    assert [p.area_reliable_changes for p in points] == [(), ("finances",), (), ()]
    assert points[0].area_indices == (("finances", 52), ("communication", 0), ("trust", 0))
    assert points[3].area_index("trust") is None


def test_trend_refuses_to_mix_instruments() -> None:
    screener = InstrumentDef("screener", 1, AREAS, ITEMS)
    intake = compare(INSTRUMENT, A_DECIDES_A, A_DECIDES_B, TOPICS)
    later = compare(screener, HEALTHY, HEALTHY, TOPICS)

    with pytest.raises(ValueError, match="screener"):
        trend([("Intake", intake), ("Later", later)], INSTRUMENT)


def test_trend_of_nothing_is_empty() -> None:
    assert trend([], INSTRUMENT) == ()


@pytest.mark.parametrize("name", EXAMPLES)
def test_worked_example_survives_a_json_round_trip(name: str) -> None:
    example = EXAMPLES[name]
    result = compare(INSTRUMENT, _drop_zero(example["a"]), _drop_zero(example["b"]), TOPICS)

    text = json.dumps(result.to_dict(), allow_nan=False)

    assert ComparisonResult.from_dict(json.loads(text)) == result


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({"fin-s1": 6}, "fin-s1", id="answer above 5"),
        pytest.param({"fin-s1": 0}, "fin-s1", id="answer below 1"),
        pytest.param({"fin-s1": True}, "fin-s1", id="boolean answer"),
        pytest.param({"nope": 3}, "nope", id="unknown item"),
    ],
)
def test_bad_answers_are_refused_with_the_item_named(answers: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare(INSTRUMENT, answers, HEALTHY, TOPICS)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: ItemDef("x", "finances", "share", "t", reverse=True), id="reversed share"
        ),
        pytest.param(
            lambda: ItemDef("x", "trust", "agree", "t", sensitivity="safety"),
            id="safety item not reversed",
        ),
        pytest.param(
            lambda: ItemDef("x", "trust", "agree", "t", flag="urgent"),
            id="flag rule on an ordinary item",
        ),
        pytest.param(
            lambda: ItemDef(
                "x", "trust", "agree", "t", reverse=True, sensitivity="safety", wellbeing=False
            ),
            id="safety item kept out of wellbeing",
        ),
        pytest.param(
            lambda: ItemDef("x", "trust", "share", "t", wellbeing=False),
            id="share item kept out of wellbeing",
        ),
        pytest.param(
            lambda: InstrumentDef("i", 1, AREAS, (*ITEMS, ItemDef("x", "nowhere", "agree", "t"))),
            id="unknown area",
        ),
        pytest.param(lambda: InstrumentDef("i", 1, AREAS, (*ITEMS, ITEMS[0])), id="duplicate id"),
        pytest.param(lambda: ScoringParams(band_watch=40), id="bands out of order"),
        pytest.param(lambda: TopicDef("t", "T", ("finances",), ("typo",)), id="unknown trigger"),
    ],
)
def test_inconsistent_definitions_are_refused(build: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        build()


def test_a_topic_offered_for_two_areas_is_kept_once_with_its_highest_score() -> None:
    # shared-decision-making now also listed by communication: finances gives 52 * |c| 0.75 = 39,
    # communication gives 20 * g 0.75 = 15; only the 39 suggestion survives.
    areas = tuple(
        dataclasses.replace(area, topics=(*area.topics, "shared-decision-making"))
        if area.slug == "communication"
        else area
        for area in AREAS
    )
    instrument = InstrumentDef("example", 3, areas, ITEMS)
    a = {**A_DECIDES_A, **COMMUNICATION_A}
    b = {**A_DECIDES_B, **COMMUNICATION_B}

    result = compare(instrument, a, b, TOPICS)

    assert [(t.slug, t.area, t.score) for t in result.topics] == [
        ("financial-transparency", "finances", 39.0),
        ("shared-decision-making", "finances", 39.0),
        ("open-communication", "communication", 15.0),
    ]


def test_no_area_takes_more_than_two_topics_while_another_area_needs_work() -> None:
    # finances names five topics, all scoring 52 * 0.75 = 39; communication's one scores 15.
    slugs = tuple(f"money-{n}" for n in range(5))
    areas = (dataclasses.replace(AREAS[0], topics=slugs), *AREAS[1:])
    library = (
        *(TopicDef(slug, slug, ("finances",), ("consensual_imbalance",)) for slug in slugs),
        *TOPICS,
    )
    instrument = InstrumentDef("example", 3, areas, ITEMS)

    both = compare(
        instrument, {**A_DECIDES_A, **COMMUNICATION_A}, {**A_DECIDES_B, **COMMUNICATION_B}, library
    )
    only_finances = compare(instrument, A_DECIDES_A, A_DECIDES_B, library)

    # Two for the top area, then communication's; the rest of finances fill the list after it.
    assert [(t.slug, t.area) for t in both.topics] == [
        ("money-0", "finances"),
        ("money-1", "finances"),
        ("open-communication", "communication"),
        ("money-2", "finances"),
        ("money-3", "finances"),
        ("money-4", "finances"),
    ]
    assert len({t.rationale for t in both.topics}) == len(both.topics)
    # With one area needing work, its topics are not held back.
    assert [t.slug for t in only_finances.topics] == list(slugs)


def test_at_most_eight_area_topics_are_suggested_besides_the_safety_check_in() -> None:
    slugs = tuple(f"topic-{n}" for n in range(10))
    areas = (dataclasses.replace(AREAS[0], topics=slugs), *AREAS[1:])
    library = (
        *(TopicDef(slug, slug, ("finances",), ("consensual_imbalance",)) for slug in slugs),
        TOPICS[-1],
    )
    instrument = InstrumentDef("example", 3, areas, ITEMS)
    a = {**SAFETY_A, **FINANCES_A}
    b = {**SAFETY_B, **FINANCES_B}

    result = compare(instrument, a, b, library)

    # all ten score 50 * 0.75 = 37.5; equal scores keep the area's topic order
    assert [t.slug for t in result.topics] == [SAFETY_TOPIC.slug, *slugs[:8]]
