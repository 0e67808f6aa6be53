"""The shared summary's rule (assessments.summary.content): strengths first, then two or three
areas to work on with the counsellor's chosen topics, from area-level facts only."""

from __future__ import annotations

import dataclasses
import re

from assessments.engine import scoring
from assessments.summary import content
from assessments.summary.content import ChosenTopic, summary_sections, work_on_areas


def area(
    slug: str,
    index: int | None,
    *,
    pca: float | None = 100.0,
    direction: scoring.Direction = "equal",
    consensual: float = 0.0,
    gap: float = 0.0,
) -> scoring.AreaResult:
    scored = index is not None
    band = None
    if index is not None:
        band = scoring.band_for(index, scoring.ScoringParams())
    return scoring.AreaResult(
        slug=slug,
        title=slug.title(),
        scored=scored,
        p_a=0.1,
        p_b=-0.1,
        consensual=consensual if scored else None,
        direction=direction if scored else None,
        perception_gap=gap if scored else None,
        wellbeing_a=90.0,
        wellbeing_b=70.0,
        wellbeing_gap=0.2,
        strain=0.0,
        pca=pca if scored else None,
        index=index,
        band=band,
        meaningful_gap=False,
        answered_a=6,
        answered_b=6,
        item_count=6,
    )


def topic(slug: str, *areas: str) -> ChosenTopic:
    return ChosenTopic(slug=slug, title=slug.title(), about=f"About {slug}.", areas=areas)


def kinds(sections: list[content.Section]) -> list[tuple[str, str]]:
    return [(section.kind, section.area) for section in sections]


def test_strengths_come_first_then_the_areas_on_the_agenda_by_index() -> None:
    areas = [
        area("money", 5),
        area("talk", 40, pca=20.0),
        area("time", 20, pca=50.0),
        area("home", 3, pca=80.0),
        area("care", 70, pca=0.0),
    ]
    chosen = [topic("listening", "talk"), topic("closeness", "care")]

    sections = summary_sections(areas, chosen)

    assert kinds(sections) == [
        ("intro", ""),
        ("strength", "money"),
        ("strength", "home"),
        ("work_on", "care"),
        ("work_on", "talk"),
    ]
    assert sections[3].topics[0]["slug"] == "closeness"
    assert sections[4].topics[0]["title"] == "Listening"


def test_a_strength_needs_the_balanced_band_and_positive_agreement() -> None:
    assert content.is_strength(area("a", 14, pca=60.0))
    assert not content.is_strength(area("a", 15, pca=100.0))  # watch band
    assert not content.is_strength(area("a", 0, pca=59.9))  # most items not healthy for both
    assert not content.is_strength(area("a", None))  # insufficient answers


def test_at_most_three_areas_to_work_on_each_topic_shown_once() -> None:
    areas = [
        area(slug, index, pca=10.0)
        for slug, index in zip("abcde", (20, 30, 40, 50, 60), strict=False)
    ]
    chosen = [topic("t1", "a", "b", "c", "d", "e"), topic("t2", "b")]

    sections = summary_sections(areas, chosen)

    work = [s for s in sections if s.kind == "work_on"]
    assert [s.area for s in work] == ["e", "d", "c"]
    assert [t["slug"] for s in work for t in s.topics] == ["t1"]  # t2's area is not shown


def test_too_few_areas_on_the_agenda_are_filled_up_to_two_outside_the_balanced_band() -> None:
    areas = [area("a", 10, pca=10.0), area("b", 50, pca=10.0), area("c", 30, pca=10.0)]

    assert [a.slug for a in work_on_areas(areas, [])] == ["b", "c"]
    assert [a.slug for a in work_on_areas(areas, [topic("t", "a")])] == ["b", "a"]
    # A balanced area is only named to work on when a chosen topic addresses it.
    assert [a.slug for a in work_on_areas([area("a", 10, pca=10.0)], [])] == []


def test_unscored_areas_and_the_safety_topic_never_appear() -> None:
    areas = [area("a", None), area("b", 50, pca=0.0)]
    chosen = [topic(scoring.SAFETY_TOPIC_SLUG, "a", "b"), topic("t", "a")]

    sections = summary_sections(areas, chosen)

    assert kinds(sections) == [("intro", ""), ("work_on", "b")]
    assert sections[1].topics == ()


def test_no_number_is_ever_printed() -> None:
    areas = [area("a", 3), area("b", 55, pca=0.0, gap=0.5), area("c", 45, consensual=0.6)]
    for section in summary_sections(areas, [topic("t", "b")]):
        assert not re.search(r"\d", section.text), section.text


def test_the_words_follow_area_level_facts() -> None:
    assert summary_sections([area("a", 3)], [])[1].text == content.STRENGTH_SHARED_TEXT
    assert summary_sections([area("a", 3, direction="b")], [])[1].text == content.STRENGTH_TEXT
    gap = area("a", 40, pca=0.0, gap=0.3)
    say = area("a", 40, pca=0.0, consensual=-0.3, direction="b")
    plain = area("a", 40, pca=0.0)
    assert summary_sections([gap], [])[1].text == content.WORK_ON_GAP_TEXT
    assert summary_sections([say], [])[1].text == content.WORK_ON_SAY_TEXT
    assert summary_sections([plain], [])[1].text == content.WORK_ON_TEXT


def test_one_partners_own_numbers_change_nothing() -> None:
    areas = [area("a", 3), area("b", 50, pca=0.0, gap=0.3), area("c", None)]
    chosen = [topic("t", "b")]
    changed = [
        dataclasses.replace(
            a, p_a=-0.9, p_b=0.9, wellbeing_a=10.0, wellbeing_b=99.0, answered_a=1, answered_b=2
        )
        for a in areas
    ]

    assert summary_sections(changed, chosen) == summary_sections(areas, chosen)


def test_an_area_with_too_few_shared_items_is_never_described() -> None:
    areas = [area("a", 3), area("b", 50, pca=0.0, gap=0.5)]
    few = frozenset({"a", "b"})

    sections = summary_sections(areas, [topic("t", "a", "b")], few)

    assert kinds(sections) == [("intro", ""), ("work_on", "b"), ("work_on", "a")]
    assert {s.text for s in sections[1:]} == {content.WORK_ON_TEXT}
