"""Partners' names on the pages: stored results and agenda items say "Partner A" and "Partner B",
so that nothing kept with a comparison is personal data; each page puts the couple's names in."""

from __future__ import annotations

from clients.models import Couple


def partner_names(couple: Couple) -> tuple[str, str]:
    return (couple.partner_a.display_name, couple.partner_b.display_name)


def in_partners_names(text: str, names: tuple[str, str]) -> str:
    return text.replace("Partner A", names[0]).replace("Partner B", names[1])
