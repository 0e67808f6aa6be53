"""What the respondent's own pages and API may show back of their saved answers.

The other partner may share the phone or read over a shoulder, so a saved answer to a safety
item (coercion, threats, fear) is never shown again: the pages say it is answered and offer to
answer again, and the API says it is answered without its value. Pure functions, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def is_private(item: Mapping[str, Any]) -> bool:
    return item.get("sensitivity") == "safety"


def answer_shown(item: Mapping[str, Any], answers: Mapping[str, Any]) -> Any:
    """The saved answer the respondent may see again: None when unanswered or private."""
    return None if is_private(item) else answers.get(item["id"])


def answer_hidden(item: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Answered, but private: shown only as answered."""
    return is_private(item) and answers.get(item["id"]) is not None


def answers_shown(items: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The saved answers that may be sent back, item id -> value."""
    return {
        item["id"]: answers[item["id"]]
        for item in items
        if item["id"] in answers and not is_private(item)
    }


def answers_hidden(items: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]) -> list[str]:
    """The ids of the private items that are answered."""
    return [item["id"] for item in items if answer_hidden(item, answers)]
