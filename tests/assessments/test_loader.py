"""The library loader: validation messages, all-or-nothing writes, idempotence, frozen versions."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from assessments.library import validation as definitions
from assessments.library.loader import (
    INSTRUMENTS_DIR,
    TOPICS_FILE,
    LoadReport,
    Status,
    load_library,
)
from assessments.library.validation import DefinitionError, validate_instrument, validate_topics
from assessments.management.commands.load_instruments import Command
from assessments.models import Instrument, InstrumentVersion, Topic

pytestmark = pytest.mark.django_db

BPI = "balance-of-power-inventory.yaml"
CHECKIN = "balance-check-in.yaml"
SIGNS = "signs-of-imbalance.yaml"
FACTORS = "contributing-factors.yaml"
TOPICS = "topics.yaml"

LIBRARY_V1 = Path(__file__).parent / "data" / "library_v1"

Data = dict[str, Any]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A writable copy of the shipped library in one folder."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    for path in [TOPICS_FILE, *INSTRUMENTS_DIR.glob("*.yaml")]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def library_v1(tmp_path: Path) -> Path:
    """A writable copy of version 1 of the library (format 1), as assignments made with it keep."""
    folder = tmp_path / "v1"
    shutil.copytree(LIBRARY_V1, folder)
    return folder


def read(path: Path) -> Data:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: Data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit(path: Path, change: Callable[[Data], object]) -> None:
    data = read(path)
    change(data)
    write(path, data)


def item(data: Data, item_id: str) -> Data:
    return next(entry for entry in data["items"] if entry["id"] == item_id)


def area(data: Data, slug: str) -> Data:
    return next(entry for entry in data["areas"] if entry["slug"] == slug)


def topic(data: Data, slug: str) -> Data:
    return next(entry for entry in data["topics"] if entry["slug"] == slug)


def set_in(getter: Callable[[Data], Data], field: str, value: object) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        getter(data)[field] = value

    return change


def drop(getter: Callable[[Data], Data], field: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        del getter(data)[field]

    return change


def whole(data: Data) -> Data:
    return data


def both(*changes: Callable[[Data], object]) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        for each in changes:
            each(data)

    return change


def remove_items(*ids: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["items"] = [entry for entry in data["items"] if entry["id"] not in ids]

    return change


def an_item(item_id: str) -> Callable[[Data], Data]:
    return lambda data: item(data, item_id)


def an_area(slug: str) -> Callable[[Data], Data]:
    return lambda data: area(data, slug)


def scoring_part(name: str) -> Callable[[Data], Data]:
    return lambda data: data["scoring"][name]


def a_topic(slug: str) -> Callable[[Data], Data]:
    return lambda data: topic(data, slug)


def load_folder(folder: Path) -> LoadReport:
    return load_library(sorted(folder.glob("*.yaml")))


def run_command(folder: Path) -> str:
    out = StringIO()
    call_command("load_instruments", str(folder), stdout=out)
    return out.getvalue()


# (file, change, expected message); each message names the file, the item or area, and the field.
BROKEN_FILES = [
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-03"), "kind", "likert"),
        f"{BPI}: item 'bpi-dm-03', field 'kind': must be one of share, agree, frequency"
        " (got 'likert')",
        id="unknown item kind",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "revers", True),
        f"{BPI}: item 'bpi-dm-01', field 'revers': unknown field",
        id="unknown item field",
    ),
    pytest.param(
        BPI,
        set_in(whole, "titel", "Typo"),
        f"{BPI}: field 'titel': unknown field",
        id="unknown top-level field",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "colour", "red"),
        f"{BPI}: area 'finances', field 'colour': unknown field",
        id="unknown area field",
    ),
    pytest.param(
        BPI,
        set_in(scoring_part("weights"), "consensus", 0.1),
        f"{BPI}: field 'scoring.weights.consensus': unknown field",
        id="unknown scoring weight",
    ),
    pytest.param(
        BPI,
        drop(whole, "client_intro"),
        f"{BPI}: field 'client_intro': is required",
        id="missing required field",
    ),
    pytest.param(
        BPI,
        drop(an_item("bpi-fi-04"), "healthy"),
        f"{BPI}: item 'bpi-fi-04', field 'healthy': is required",
        id="item without a healthy pole",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-02"), "id", "bpi-dm-01"),
        f"{BPI}: item 'bpi-dm-01', field 'id': is used by another item",
        id="duplicate item id",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-02"), "area", "decision-makin"),
        f"{BPI}: item 'bpi-dm-02', field 'area': must be one of the instrument's areas"
        " (got 'decision-makin')",
        id="item in unknown area",
    ),
    pytest.param(
        BPI,
        set_in(an_area("trust"), "slug", "finances"),
        f"{BPI}: area 'finances', field 'slug': is used by another area",
        id="duplicate area slug",
    ),
    pytest.param(
        CHECKIN,
        remove_items("ci-dm-02", "ci-dm-05"),
        f"{CHECKIN}: area 'decision-making', field 'items': needs at least 4 items (has 3)",
        id="area with three items",
    ),
    pytest.param(
        CHECKIN,
        both(
            set_in(an_item("ci-dm-01"), "kind", "agree"),
            set_in(an_item("ci-dm-01"), "healthy", "agree"),
            set_in(an_item("ci-dm-02"), "kind", "agree"),
            set_in(an_item("ci-dm-02"), "healthy", "agree"),
        ),
        f"{CHECKIN}: area 'decision-making', field 'items': needs at least one share item",
        id="area without share items",
    ),
    pytest.param(
        CHECKIN,
        both(
            *(set_in(an_item(i), "kind", "share") for i in ("ci-fi-05", "ci-fi-03", "ci-fi-06")),
            *(drop(an_item(i), "healthy") for i in ("ci-fi-05", "ci-fi-03", "ci-fi-06")),
        ),
        f"{CHECKIN}: area 'finances', field 'items': needs at least one agree or frequency item"
        " that is not a safety item and counts toward wellbeing",
        id="area without wellbeing items",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "weight", 0.02),
        f"{BPI}: field 'areas': area weights must sum to 1 (got 0.9)",
        id="area weights not summing to one",
    ),
    pytest.param(
        BPI,
        set_in(scoring_part("weights"), "consensual", 0.3),
        f"{BPI}: field 'scoring.weights': must sum to 1 (got 0.9)",
        id="index weights not summing to one",
    ),
    pytest.param(
        BPI,
        set_in(scoring_part("bands"), "watch", 40),
        f"{BPI}: field 'scoring.bands': must increase: 0 < watch < imbalanced < severe <= 100"
        " (got 40, 35, 60)",
        id="bands out of order",
    ),
    pytest.param(
        BPI,
        set_in(scoring_part("bands"), "severe", 101),
        f"{BPI}: field 'scoring.bands': must increase",
        id="severe band above 100",
    ),
    pytest.param(
        BPI,
        set_in(scoring_part("bands"), "watch", 0),
        f"{BPI}: field 'scoring.bands': must increase",
        id="watch band at zero",
    ),
    pytest.param(
        BPI,
        set_in(lambda data: data["scoring"], "healthy_min", 6),
        f"{BPI}: field 'scoring.healthy_min': must be a whole number from 1 to 5 (got 6)",
        id="healthy_min off the answer scale",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "topics", ["money-talk"]),
        f"{BPI}: area 'finances', field 'topics': unknown topic 'money-talk' (not in topics.yaml)",
        id="area naming an unknown topic",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "healthy", "agree"),
        f"{BPI}: item 'bpi-dm-01', field 'healthy': share items have no healthy pole",
        id="share item with a healthy pole",
    ),
    pytest.param(
        SIGNS,
        both(
            set_in(an_item("soi-cf-05"), "kind", "share"),
            drop(an_item("soi-cf-05"), "healthy"),
        ),
        f"{SIGNS}: item 'soi-cf-05', field 'kind': safety items must be agree or frequency"
        " (got 'share')",
        id="safety share item",
    ),
    pytest.param(
        SIGNS,
        set_in(an_item("soi-cf-06"), "healthy", "agree"),
        f"{SIGNS}: item 'soi-cf-06', field 'healthy': a safety item's healthy pole is never or"
        " disagree",
        id="safety item healthy when endorsed",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "sensitivity", "private"),
        f"{BPI}: item 'bpi-dm-01', field 'sensitivity': must be one of shared, clinician, safety",
        id="unknown sensitivity",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "required", "yes"),
        f"{BPI}: item 'bpi-dm-01', field 'required': must be true or false (got 'yes')",
        id="required not a boolean",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "text", "   "),
        f"{BPI}: item 'bpi-dm-01', field 'text': must not be empty",
        id="empty item text",
    ),
    pytest.param(
        BPI,
        set_in(whole, "slug", "Balance_Of_Power"),
        f"{BPI}: field 'slug': must be lowercase letters, digits and single hyphens",
        id="bad slug",
    ),
    pytest.param(
        BPI,
        set_in(whole, "slug", "signs-of-imbalance"),
        f"{BPI}: field 'slug': must match the file name 'balance-of-power-inventory'",
        id="slug not matching the file name",
    ),
    pytest.param(
        BPI,
        set_in(whole, "version", 0),
        f"{BPI}: field 'version': must be a positive whole number (got 0)",
        id="version zero",
    ),
    pytest.param(
        BPI,
        set_in(whole, "version", "2"),
        f"{BPI}: field 'version': must be a positive whole number (got '2')",
        id="version as text",
    ),
    pytest.param(
        BPI,
        set_in(whole, "purpose", "intake"),
        f"{BPI}: field 'purpose': must be one of full, screener, factors, checkin",
        id="unknown purpose",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "sd", 0),
        f"{BPI}: area 'finances', field 'sd': must be above 0 (got 0)",
        id="area sd of zero",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "reliability", 1),
        f"{BPI}: area 'finances', field 'reliability': must be between 0 and 1",
        id="area reliability of one",
    ),
    pytest.param(
        BPI,
        set_in(an_area("finances"), "weight", "0.12"),
        f"{BPI}: area 'finances', field 'weight': must be a number (got '0.12')",
        id="area weight as text",
    ),
    pytest.param(
        BPI,
        set_in(whole, "items", {}),
        f"{BPI}: field 'items': must be a list (got a mapping)",
        id="items not a list",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("compromise-skills"), "slug", "building-trust"),
        f"{TOPICS}: topic 'building-trust', field 'slug': is used by another topic",
        id="duplicate topic slug",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("building-trust"), "triggers", ["low_wellbeing", "sadness"]),
        f"{TOPICS}: topic 'building-trust', field 'triggers': must be among"
        " consensual_imbalance, perception_gap, low_wellbeing, safety (got 'sadness')",
        id="unknown topic trigger",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("building-trust"), "areas", []),
        f"{TOPICS}: topic 'building-trust', field 'areas': must list at least one area",
        id="non-safety topic without areas",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("building-trust"), "steps", []),
        f"{TOPICS}: topic 'building-trust', field 'steps': must list at least one step",
        id="topic without steps",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("building-trust"), "steps", ["Talk.", 3]),
        f"{TOPICS}: topic 'building-trust', field 'steps': step 2 must be non-empty text",
        id="topic step not text",
    ),
    pytest.param(
        TOPICS,
        set_in(a_topic("building-trust"), "summary", "x"),
        f"{TOPICS}: topic 'building-trust', field 'summary': unknown field",
        id="unknown topic field",
    ),
]


@pytest.mark.parametrize(("file_name", "change", "message"), BROKEN_FILES)
def test_a_broken_file_is_refused_with_a_message_naming_file_place_and_field(
    library: Path, file_name: str, change: Callable[[Data], object], message: str
) -> None:
    edit(library / file_name, change)

    with pytest.raises(DefinitionError) as caught:
        load_folder(library)

    assert str(caught.value).startswith(message)
    assert InstrumentVersion.objects.count() == 0
    assert Topic.objects.count() == 0


# Format 1 (version 1 of the library) keyed items with `reverse`; its own rules still hold.
BROKEN_V1_FILES = [
    pytest.param(
        BPI,
        drop(an_item("bpi-fi-02"), "reverse"),
        f"{BPI}: item 'bpi-fi-02', field 'reverse': is required",
        id="item without reverse",
    ),
    pytest.param(
        BPI,
        set_in(an_item("bpi-dm-01"), "reverse", True),
        f"{BPI}: item 'bpi-dm-01', field 'reverse': share items must have reverse: false",
        id="reversed share item",
    ),
    pytest.param(
        SIGNS,
        set_in(an_item("soi-cf-02"), "kind", "share"),
        f"{SIGNS}: item 'soi-cf-02', field 'kind': safety items must be agree or frequency"
        " (got 'share')",
        id="safety share item",
    ),
    pytest.param(
        SIGNS,
        set_in(an_item("soi-cf-06"), "reverse", False),
        f"{SIGNS}: item 'soi-cf-06', field 'reverse': safety items must have reverse: true",
        id="safety item not reversed",
    ),
    pytest.param(
        SIGNS,
        set_in(an_item("soi-cf-06"), "healthy", "disagree"),
        f"{SIGNS}: item 'soi-cf-06', field 'healthy': unknown field",
        id="format 2 field in a format 1 file",
    ),
]


@pytest.mark.parametrize(("file_name", "change", "message"), BROKEN_V1_FILES)
def test_a_broken_version_1_file_is_refused_by_the_format_1_rules(
    library_v1: Path, file_name: str, change: Callable[[Data], object], message: str
) -> None:
    edit(library_v1 / file_name, change)

    with pytest.raises(DefinitionError) as caught:
        load_folder(library_v1)

    assert str(caught.value).startswith(message)
    assert InstrumentVersion.objects.count() == 0


def test_version_1_and_version_2_of_the_library_load_side_by_side(
    library_v1: Path, library: Path
) -> None:
    load_folder(library_v1)
    v1 = {row.instrument.slug: row.content_hash for row in InstrumentVersion.objects.all()}
    InstrumentVersion.objects.update(locked=True)

    report = load_folder(library)

    assert {result.status for result in report if result.kind == "instrument"} == {Status.CREATED}
    assert {
        row.instrument.slug: row.content_hash for row in InstrumentVersion.objects.filter(version=1)
    } == v1
    current = InstrumentVersion.objects.current()
    assert sorted(current.values_list("version", flat=True)) == [2, 2, 2, 2]
    assert all(row.definition["format"] == 2 for row in current)
    # Loading version 1 again (as an older installation would) changes nothing.
    assert not load_folder(library_v1).changed


def test_a_yaml_syntax_error_names_the_file_and_line(library: Path) -> None:
    path = library / BPI
    path.write_text("slug: balance-of-power-inventory\nversion: [1\n", encoding="utf-8")

    with pytest.raises(DefinitionError, match=rf"^{re.escape(BPI)}: not valid YAML at line \d+"):
        load_folder(library)


def test_a_field_given_twice_is_refused_instead_of_silently_taking_the_last(
    library: Path,
) -> None:
    path = library / BPI
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    healthy: agree\n", "    healthy: agree\n    healthy: disagree\n", 1),
        encoding="utf-8",
    )

    with pytest.raises(DefinitionError, match=rf"^{re.escape(BPI)}: .*'healthy' is given twice"):
        load_folder(library)


def test_a_missing_file_is_named_in_the_error(library: Path) -> None:
    with pytest.raises(DefinitionError, match=r"^no-such-instrument\.yaml: file not found"):
        load_library([library / TOPICS, library / "no-such-instrument.yaml"])


def test_a_good_file_and_a_bad_file_together_load_nothing(library: Path) -> None:
    edit(library / SIGNS, set_in(an_item("soi-cf-02"), "kind", "likert"))

    with pytest.raises(DefinitionError):
        load_library([library / TOPICS, library / BPI, library / SIGNS])

    assert Instrument.objects.count() == 0
    assert InstrumentVersion.objects.count() == 0
    assert Topic.objects.count() == 0


def test_a_refusal_while_writing_rolls_back_the_files_already_written(library: Path) -> None:
    load_folder(library)
    InstrumentVersion.objects.filter(instrument__slug="signs-of-imbalance").update(locked=True)
    before = {row.pk: row.content_hash for row in InstrumentVersion.objects.all()}
    # The check-in (unlocked) would be updated in place, and sorts before the locked screener.
    edit(library / CHECKIN, set_in(whole, "title", "Balance Check-in (revised)"))
    edit(library / SIGNS, set_in(whole, "title", "Signs of Imbalance (revised)"))

    with pytest.raises(DefinitionError, match="already in use"):
        load_folder(library)

    assert {row.pk: row.content_hash for row in InstrumentVersion.objects.all()} == before
    assert InstrumentVersion.objects.get(instrument__slug="balance-check-in").title == (
        "Balance Check-in"
    )


def test_loading_the_same_files_twice_changes_nothing(library: Path) -> None:
    load_folder(library)
    versions = list(InstrumentVersion.objects.values_list("pk", "loaded_at", "content_hash"))
    topics = list(Topic.objects.values_list("pk", "updated_at", "content_hash"))

    report = load_folder(library)

    assert {result.status for result in report} == {Status.UNCHANGED}
    assert not report.changed
    assert list(InstrumentVersion.objects.values_list("pk", "loaded_at", "content_hash")) == (
        versions
    )
    assert list(Topic.objects.values_list("pk", "updated_at", "content_hash")) == topics


def test_a_reformatted_file_with_the_same_content_is_unchanged(library: Path) -> None:
    load_folder(library)
    data = read(library / BPI)
    (library / BPI).write_text(yaml.safe_dump(data, sort_keys=True, width=60), encoding="utf-8")

    report = load_folder(library)

    assert report.status_of("balance-of-power-inventory") == Status.UNCHANGED


def test_a_folder_path_loads_every_yaml_file_in_it(library: Path) -> None:
    report = load_library([library])

    assert sorted(result.path.name for result in report) == sorted(
        path.name for path in library.glob("*.yaml")
    )
    assert InstrumentVersion.objects.count() == 4


def test_an_unlocked_version_edited_without_a_bump_is_updated_in_place(library: Path) -> None:
    load_folder(library)
    edit(library / CHECKIN, set_in(an_item("ci-dm-01"), "text", "Who has the last word?"))

    report = load_folder(library)

    assert report.status_of("balance-check-in") == Status.UPDATED
    version = InstrumentVersion.objects.get(instrument__slug="balance-check-in")
    assert version.version == 2
    assert version.items[0]["text"] == "Who has the last word?"
    assert version.as_definition().items[0].text == "Who has the last word?"


def test_a_locked_version_edited_without_a_bump_is_refused(library: Path) -> None:
    load_folder(library)
    InstrumentVersion.objects.filter(instrument__slug="balance-check-in").update(locked=True)
    edit(library / CHECKIN, set_in(an_item("ci-dm-01"), "text", "Who has the last word?"))

    with pytest.raises(DefinitionError) as caught:
        load_folder(library)

    assert str(caught.value) == (
        f"{CHECKIN}: version 2 is already in use by couples; bump 'version' to change it"
    )


def test_a_locked_version_edited_with_a_bump_keeps_the_old_version_intact(
    library: Path,
) -> None:
    load_folder(library)
    old = InstrumentVersion.objects.get(instrument__slug="balance-check-in")
    old.locked = True
    old.save()
    old_items = old.items
    edit(
        library / CHECKIN,
        both(
            set_in(whole, "version", 3),
            set_in(an_item("ci-dm-01"), "text", "Who has the last word?"),
        ),
    )

    report = load_folder(library)

    assert report.status_of("balance-check-in") == Status.CREATED
    old.refresh_from_db()
    assert old.items == old_items
    assert old.items[0]["text"] == (
        "When we make a big decision together, who usually has the final say?"
    )
    assert not old.is_current
    new = InstrumentVersion.objects.get(instrument__slug="balance-check-in", version=3)
    assert new.is_current
    assert new.items[0]["text"] == "Who has the last word?"
    assert list(
        InstrumentVersion.objects.current()
        .filter(instrument__slug="balance-check-in")
        .values_list("version", flat=True)
    ) == [3]


def test_a_new_version_numbered_below_the_loaded_one_is_refused(library: Path) -> None:
    edit(library / CHECKIN, set_in(whole, "version", 3))
    load_folder(library)
    edit(library / CHECKIN, set_in(whole, "version", 2))

    with pytest.raises(DefinitionError) as caught:
        load_folder(library)

    assert str(caught.value) == (
        f"{CHECKIN}: field 'version': version 2 is older than the loaded version 3; use version 4"
    )


def test_a_topic_removed_from_the_file_is_removed_from_the_library(library: Path) -> None:
    load_folder(library)

    def remove_cultural_norms(data: Data) -> None:
        data["topics"] = [t for t in data["topics"] if t["slug"] != "cultural-and-family-norms"]

    edit(library / TOPICS, remove_cultural_norms)
    edit(
        library / FACTORS,
        both(
            set_in(an_area("gender-role-expectations"), "topics", ["compromise-skills"]),
            set_in(an_area("cultural-norms"), "topics", ["compromise-skills"]),
        ),
    )

    report = load_folder(library)

    assert report.status_of("topics") == Status.UPDATED
    assert not Topic.objects.filter(slug="cultural-and-family-norms").exists()


def test_the_command_prints_one_line_per_file(library: Path) -> None:
    out = run_command(library)

    lines = out.strip().splitlines()
    assert len(lines) == 5
    assert f"{BPI}: balance-of-power-inventory version 2, 69 items: created" in lines
    assert lines[0].startswith(f"{TOPICS}: ")


def test_the_command_exits_non_zero_with_the_message_on_stderr(
    library: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(library / BPI, set_in(an_item("bpi-dm-03"), "kind", "likert"))
    # run_from_argv closes every connection on the way out, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "load_instruments", "--skip-checks", str(library)])

    assert exited.value.code != 0
    assert (
        f"{BPI}: item 'bpi-dm-03', field 'kind': must be one of share, agree, frequency"
        " (got 'likert')"
    ) in capsys.readouterr().err
    assert InstrumentVersion.objects.count() == 0


def test_the_command_raises_command_error_when_called_from_code(library: Path) -> None:
    edit(library / TOPICS, set_in(a_topic("building-trust"), "why", ""))

    with pytest.raises(
        CommandError, match=rf"^{re.escape(TOPICS)}: topic 'building-trust', field 'why'"
    ):
        call_command("load_instruments", str(library))


# --------------------------------------------------------------------------------------------
# Pure validation (no database needed, but harmless under the module mark)
# --------------------------------------------------------------------------------------------


def test_validation_fills_in_every_default() -> None:
    data = read(INSTRUMENTS_DIR / CHECKIN)
    del data["scoring"]
    del data["shuffle_items"]
    for entry in data["items"]:
        entry.pop("required")

    definition = validate_instrument(data, source=CHECKIN, known_topics=_shipped_topics())

    assert definition["shuffle_items"] is False
    assert definition["scoring"]["weights"] == definitions.DEFAULT_WEIGHTS
    assert definition["scoring"]["bands"] == {"watch": 15, "imbalanced": 35, "severe": 60}
    assert definition["scoring"]["healthy_min"] == 4
    assert all(entry["required"] is True for entry in definition["items"])


def test_a_definition_error_without_place_or_field_is_just_file_and_message() -> None:
    error = DefinitionError("x.yaml", None, None, "broken")

    assert str(error) == "x.yaml: broken"


def test_an_instrument_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"^x\.yaml: an instrument file must be a mapping"):
        validate_instrument(["a"], source="x.yaml", known_topics=set())


def test_topic_areas_are_checked_against_known_areas_when_given() -> None:
    data = read(TOPICS_FILE)

    with pytest.raises(
        DefinitionError,
        match=r"^topics\.yaml: topic 'open-communication-active-listening', field 'areas': "
        r"no instrument has an area 'communication'",
    ):
        validate_topics(data, source=TOPICS, known_areas={"trust"})


def _shipped_topics() -> set[str]:
    topics = validate_topics(read(TOPICS_FILE), source=TOPICS, known_areas=None)
    return {entry["slug"] for entry in topics}
