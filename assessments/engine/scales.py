"""The words on each answer scale, as a client reads them (answers are stored as 1-5)."""

from __future__ import annotations

SCALES: dict[str, tuple[str, str, str, str, str]] = {
    "share": (
        "Almost always me",
        "More often me",
        "Both equally",
        "More often my partner",
        "Almost always my partner",
    ),
    "agree": (
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ),
    "frequency": ("Never", "Rarely", "Sometimes", "Often", "Very often"),
}


def choices_for(kind: str) -> list[tuple[int, str]]:
    return list(enumerate(SCALES[kind], start=1))
