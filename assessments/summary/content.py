"""What the couple's shared summary says, decided by one pure function (no Django, no database):
area-level results in, plain-words sections out.

The rule (product.md, "Couple's shared summary"):

* The area results given here must be computed from the instrument's `shared` items only (the
  service re-scores the two submitted answer sets with every `clinician` and `safety` item left
  out), so no counsellor-only answer can move a word of the summary.
* Only area-level facts are read: the band and index, positive couple agreement (PCA: the share
  of the area's wellbeing items that *both* partners answered on the healthy side), the
  consensual direction (where both partners' answers together place the say) and the perception
  gap. Never a partner's own numbers (`p_a`, `wellbeing_a`, answer counts...): the summary must
  read the same for any answer pattern of either partner that leaves those area facts unchanged.
* Areas scored as "insufficient answers" are left out altogether: whether an area is scored
  depends on how many items *each* partner answered, which would otherwise show through.
* An area with fewer than `scoring.MIN_ITEMS_FOR_PARTNER_NUMBERS` shared wellbeing items (the
  caller names them in `few_items`) is never a strength, and if it is to be worked on its words
  say nothing about it: "both on the healthy side" over one or two items would be those
  answers (the engine's rationales follow the same rule).
* **Strengths** (first): scored areas in the balanced band (index below the watch threshold)
  whose PCA is at least `STRENGTH_PCA_MIN`, i.e. both partners answered most of the area's
  wellbeing items on the healthy side, in instrument order.
* **To work on** (then): the areas, other than strengths, that a topic the counsellor chose for
  the session agenda addresses, highest index first, at most `MAX_WORK_ON`. When fewer than
  `MIN_WORK_ON` such areas exist, the highest-index remaining areas outside the balanced band
  fill up to `MIN_WORK_ON` (without topics). Each chosen topic is shown once, under the first
  (highest) of these areas it addresses; the counsellor's own agenda items and the safety
  check-in topic never appear. No index or score is printed: the couple reads words, not
  numbers to argue over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from assessments.engine import scoring

STRENGTH_PCA_MIN: Final = 60.0
MIN_WORK_ON: Final = 2
MAX_WORK_ON: Final = 3
# Area-level drivers worth naming in plain words (the same scale as c and g: 0..1).
NOTABLE_GAP: Final = 0.25
NOTABLE_SAY: Final = 0.25

INTRO = "intro"
STRENGTH = "strength"
WORK_ON = "work_on"

INTRO_TEXT = (
    "This summary is for both of you. It starts with what is going well between you, then the"
    " areas you and your counsellor chose to work on. It shows no scores and none of your"
    " individual answers."
)
STRENGTH_SHARED_TEXT = "You both see this as something you share, and you both feel good about it."
STRENGTH_TEXT = "You both feel good about this part of your relationship."
WORK_ON_GAP_TEXT = (
    "You may see who has the say here differently. That is common, and worth talking through"
    " together."
)
WORK_ON_SAY_TEXT = (
    "You both feel the say here sits more with one of you. Talking about whether that suits you"
    " both can help."
)
WORK_ON_TEXT = "This part of your relationship is worth some time and attention together."


@dataclass(frozen=True, slots=True)
class ChosenTopic:
    """A library topic the counsellor put on the session agenda, in agenda order."""

    slug: str
    title: str
    about: str  # the library's plain "why it matters" text
    areas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    kind: str
    area: str
    heading: str
    text: str
    topics: tuple[Mapping[str, str], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "area": self.area,
            "heading": self.heading,
            "generated": self.text,
            "text": "",
            "topics": [dict(topic) for topic in self.topics],
        }


def is_strength(area: scoring.AreaResult) -> bool:
    return (
        area.scored
        and area.band == scoring.Band.BALANCED
        and area.pca is not None
        and area.pca >= STRENGTH_PCA_MIN
    )


def _strength_text(area: scoring.AreaResult) -> str:
    return STRENGTH_SHARED_TEXT if area.direction == "equal" else STRENGTH_TEXT


def _work_on_text(area: scoring.AreaResult, few_items: frozenset[str]) -> str:
    if area.slug in few_items:
        return WORK_ON_TEXT
    if area.perception_gap is not None and area.perception_gap >= NOTABLE_GAP:
        return WORK_ON_GAP_TEXT
    if area.consensual is not None and abs(area.consensual) >= NOTABLE_SAY:
        return WORK_ON_SAY_TEXT
    return WORK_ON_TEXT


def _index(area: scoring.AreaResult) -> int:
    return area.index if area.index is not None else -1


def _strength(area: scoring.AreaResult, few_items: frozenset[str]) -> bool:
    return area.slug not in few_items and is_strength(area)


def work_on_areas(
    areas: Sequence[scoring.AreaResult],
    chosen: Sequence[ChosenTopic],
    few_items: frozenset[str] = frozenset(),
) -> list[scoring.AreaResult]:
    order = {area.slug: position for position, area in enumerate(areas)}
    candidates = [area for area in areas if area.scored and not _strength(area, few_items)]
    covered = {slug for topic in chosen for slug in topic.areas}
    # Highest index first; ties in instrument order, so the same input always reads the same.
    ranked = sorted(candidates, key=lambda area: (-_index(area), order[area.slug]))
    picked = [area for area in ranked if area.slug in covered][:MAX_WORK_ON]
    for area in ranked:
        if len(picked) >= MIN_WORK_ON:
            break
        if area not in picked and area.band != scoring.Band.BALANCED:
            picked.append(area)
    return sorted(picked, key=lambda area: (-_index(area), order[area.slug]))


def summary_sections(
    areas: Sequence[scoring.AreaResult],
    chosen: Sequence[ChosenTopic],
    few_items: frozenset[str] = frozenset(),
) -> list[Section]:
    """The summary's sections: an introduction, the strengths, then the areas to work on."""
    chosen = [topic for topic in chosen if topic.slug != scoring.SAFETY_TOPIC_SLUG]
    sections = [
        Section(key=INTRO, kind=INTRO, area="", heading="About this summary", text=INTRO_TEXT)
    ]
    for area in areas:
        if _strength(area, few_items):
            sections.append(
                Section(
                    key=f"{STRENGTH}:{area.slug}",
                    kind=STRENGTH,
                    area=area.slug,
                    heading=area.title,
                    text=_strength_text(area),
                )
            )
    shown: set[str] = set()
    for area in work_on_areas(areas, chosen, few_items):
        topics = []
        for topic in chosen:
            if area.slug in topic.areas and topic.slug not in shown:
                shown.add(topic.slug)
                topics.append({"slug": topic.slug, "title": topic.title, "about": topic.about})
        sections.append(
            Section(
                key=f"{WORK_ON}:{area.slug}",
                kind=WORK_ON,
                area=area.slug,
                heading=area.title,
                text=_work_on_text(area, few_items),
                topics=tuple(topics),
            )
        )
    return sections
