"""The integer-arithmetic scoring engine gives exactly the results of the `Fraction` engine it
replaced (kept, unchanged, in tests/support/fraction_scoring.py): the same floats, the same
rounding, the same rationales and order, compared as the JSON that is stored.

Thousands of answer pairs over every instrument of the shipped and the test libraries, and random
small instruments with unusual weights, thresholds and reliabilities."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.engine import scoring
from assessments.library.validation import (
    instrument_def,
    topic_def,
    validate_instrument,
    validate_topics,
)
from tests.assessments.test_scoring_properties import NAMES, Case, cases
from tests.support import fraction_scoring

LIBRARIES = (
    Path(scoring.__file__).resolve().parents[1] / "library",
    Path(__file__).resolve().parent / "data" / "library_v1",
)
EQUIVALENCE = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@cache
def library(root: Path) -> tuple[tuple[scoring.InstrumentDef, ...], tuple[scoring.TopicDef, ...]]:
    topics_file = root / "topics.yaml"
    instrument_files = sorted((root / "instruments").glob("*.yaml")) or sorted(
        path for path in root.glob("*.yaml") if path != topics_file
    )
    topic_data = validate_topics(
        yaml.safe_load(topics_file.read_text()), source=topics_file.name, known_areas=None
    )
    known = {topic["slug"] for topic in topic_data}
    instruments = tuple(
        instrument_def(
            validate_instrument(
                yaml.safe_load(path.read_text()), source=path.name, known_topics=known
            )
        )
        for path in instrument_files
    )
    return instruments, tuple(topic_def(topic) for topic in topic_data)


def every_instrument() -> list[tuple[Path, int]]:
    return [(root, i) for root in LIBRARIES for i in range(len(library(root)[0]))]


def stored(result: Any) -> str:
    return json.dumps(result.to_dict(), sort_keys=True)


def assert_same(
    instrument: scoring.InstrumentDef,
    a: dict[str, int],
    b: dict[str, int],
    topics: tuple[scoring.TopicDef, ...],
) -> None:
    new = scoring.compare(instrument, a, b, topics, names=NAMES)
    old = fraction_scoring.compare(instrument, a, b, topics, names=NAMES)  # type: ignore[arg-type]
    assert new.to_dict() == old.to_dict()
    # Equal as dicts could still hide -0.0 against 0.0; the stored JSON may not differ either.
    assert stored(new) == stored(old)


def answers(rng: random.Random, instrument: scoring.InstrumentDef, style: int) -> dict[str, int]:
    """Uniform, leaning to one pole, or mostly skipped: the shapes where rounding and coverage
    boundaries are met."""
    skip = (0.0, 0.05, 0.3, 0.6)[style % 4]
    lean = (None, 1, 5, 3)[style // 4 % 4]
    out = {}
    for item in instrument.items:
        if rng.random() < skip:
            continue
        if lean is not None and rng.random() < 0.7:
            out[item.id] = max(1, min(5, lean + rng.choice((-1, 0, 0, 1))))
        else:
            out[item.id] = rng.randint(1, 5)
    return out


def test_the_libraries_hold_every_shipped_instrument() -> None:
    assert len(library(LIBRARIES[0])[0]) == 4
    assert len(every_instrument()) >= 8


@pytest.mark.parametrize(("root", "position"), every_instrument())
@EQUIVALENCE
@given(seed=st.integers(0, 2**32 - 1), style=st.integers(0, 15))
def test_library_instruments_score_exactly_as_with_fractions(
    root: Path, position: int, seed: int, style: int
) -> None:
    instruments, topics = library(root)
    instrument = instruments[position]
    rng = random.Random(seed)
    assert_same(
        instrument, answers(rng, instrument, style), answers(rng, instrument, style), topics
    )


@EQUIVALENCE
@given(
    case=cases(),
    weights=st.tuples(*[st.sampled_from((0.0, 0.1, 0.15, 0.2, 1 / 3, 0.4, 0.7, 1.0))] * 4),
    strain=st.sampled_from((60, 60.0, 45.5, 1 / 3, 100)),
    coverage=st.sampled_from((0.0, 0.5, 0.75, 1 / 3, 1.0)),
    z=st.sampled_from((0.0, 1.0, 1.645, 1.96)),
)
def test_generated_instruments_and_parameters_score_exactly_as_with_fractions(
    case: Case,
    weights: tuple[float, float, float, float],
    strain: float,
    coverage: float,
    z: float,
) -> None:
    params = replace(
        case.instrument.params,
        w_consensual=weights[0],
        w_perception_gap=weights[1],
        w_wellbeing_gap=weights[2],
        w_strain=weights[3],
        strain_threshold=strain,
        coverage_min=coverage,
        meaningful_z=z,
    )
    instrument = replace(case.instrument, params=params)
    assert_same(instrument, case.a, case.b, case.topics)


@EQUIVALENCE
@given(
    x1=st.one_of(st.integers(-100, 100), st.floats(-100, 100)),
    x2=st.one_of(st.integers(-100, 100), st.floats(-100, 100)),
    sd=st.sampled_from((0.0, 1.0, 12.0, 18.5, 1 / 3)),
    reliability=st.sampled_from((0.0, 0.5, 0.85, 0.93, 1.0, 1 / 3)),
    z=st.sampled_from((0.0, 1.0, 1.96)),
)
def test_reliable_change_decides_exactly_as_with_fractions(
    x1: float, x2: float, sd: float, reliability: float, z: float
) -> None:
    assert scoring.reliable_change(
        x1, x2, sd=sd, reliability=reliability, z=z
    ) == fraction_scoring.reliable_change(x1, x2, sd=sd, reliability=reliability, z=z)
