"""Reflection files across versions: version 1 files (written before the ratings had a direction) read and trend
as they meant; version 2 keeps the client's voice and the stage of each answer."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from herenow import stats
from herenow.store.indexed import IndexedStore
from herenow.store.reflections import (RATINGS, Reflection, parse_reflection, parse_score,
                                       rating_label, reflection_to_toml)

UTC = dt.timezone.utc


def old_file(day: int, connection: int, direction: int, power: int) -> str:
    """A reflection exactly as version 1 of the app wrote it."""
    return f"""\
schema_version = 1
id = "2026-03-{day:02d}-1400-ab12"
created = 2026-03-{day:02d}T14:51:00Z
updated = 2026-03-{day:02d}T14:53:00Z
answers = [
    {{ prompt = "What happened between us today that stays with me?", text = "Day {day}." }},
    {{ prompt = "What did it mean, and what was my part in it?", text = "" }},
]
supervision = false
tags = []
note = ""
client_code = ""

[session]
schema_version = 1
id = "2026-03-{day:02d}-1400-ab12"
started = 2026-03-{day:02d}T14:00:00Z
planned_minutes = 50
elapsed_seconds = 3000
decks = ["here-and-now", "power"]
cues_shown = []
acted_on = []
moments = []
pauses = []

[ratings]
connection = {connection}
direction = {direction}
power = {power}
"""


def write_old(root: Path, day: int, *ratings: int) -> Path:
    path = root / "2026" / "03" / f"2026-03-{day:02d}-1400-ab12.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(old_file(day, *ratings), encoding="utf-8")
    return path


def test_a_version_1_file_reads_with_every_value_where_it_was(tmp_path: Path) -> None:
    path = write_old(tmp_path, 3, 4, 3, 2)
    reflection, problems = parse_reflection(path)
    assert problems == [] and reflection.schema_version == 1
    assert reflection.ratings == {"connection": 4, "direction": 3, "power": 2}  # not inverted, not renamed
    assert reflection.answers[0].text == "Day 3." and reflection.answers[0].stage == ""
    assert reflection.client_words == "" and reflection.client_score is None
    # Same questions, same direction: the first two carry on under their keys; the old power question keeps
    # its own label, saying what it was.
    assert rating_label("connection") == dict(RATINGS)["connection"]
    assert "earlier question" in rating_label("power") and "power" not in dict(RATINGS)


def test_saving_an_old_reflection_again_writes_version_2_and_keeps_the_old_rating(tmp_path: Path) -> None:
    reflection, _ = parse_reflection(write_old(tmp_path, 3, 4, 3, 2))
    data = tomllib.loads(reflection_to_toml(reflection))
    assert data["schema_version"] == 2 and data["ratings"] == {"connection": 4, "direction": 3, "power": 2}
    assert "stage" not in data["answers"][0] and "client_words" not in data


def test_old_files_trend_as_they_meant(herenow_home: Path) -> None:
    store = IndexedStore()  # listing goes through the index
    for day, (c, d, p) in enumerate([(4, 4, 5), (4, 4, 5), (4, 5, 5), (5, 4, 5), (4, 4, 5), (4, 4, 5),
                                     (4, 4, 1)], start=1):
        write_old(store.root, day, c, d, p)
    # And one new-style reflection after the change, with the new "choice" rating and the client's score.
    new = Reflection.model_validate(tomllib.loads(old_file(20, 3, 4, 1).replace("schema_version = 1\nid", "id")
                                                  .replace("power = 1", "choice = 4")))
    new.client_score, new.client_scale_max = 30, 40
    store.save(new)
    rows, problems = store.rows(order="date", descending=False)
    assert problems == [] and len(rows) == 8
    result = stats.compute(rows, rating_order=[k for k, _ in RATINGS])
    assert list(result.ratings) == ["connection", "direction", "choice", "power"]
    assert result.ratings["connection"].values == [4, 4, 4, 5, 4, 4, 4, 3]
    assert result.ratings["power"].values == [5, 5, 5, 5, 5, 5, 1]  # the old values, as written
    assert result.ratings["choice"].values == [4]  # never filled from the old power question
    assert result.flags == []  # the old power drop to 1 has no direction to be "low" in
    assert result.client_scores == [(rows[-1].started, 0.75)]


@pytest.mark.parametrize(("text", "expected"), [
    ("34/40", (34, 40)), (" 34 / 40 ", (34, 40)), ("7.5 of 10", (7.5, 10)), ("6 out of 10", (6, 10)),
    ("7,5/10", (7.5, 10)), ("", None),
])
def test_client_scores_are_read_with_their_scale(text: str, expected) -> None:
    assert parse_score(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("34", "write the score with its scale, for example 34/40"),
    ("good", "write the score with its scale, for example 34/40"),
    ("41/40", "41 is above the top of the scale (40)"),
    ("3/0", "the top of the scale has to be more than 0"),
])
def test_a_score_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_score(text)


def test_a_hand_edited_score_above_its_scale_is_a_one_line_problem(tmp_path: Path) -> None:
    path = write_old(tmp_path, 3, 4, 3, 2)
    path.write_text(path.read_text().replace('client_code = ""', 'client_code = ""\nclient_score = 50\n'
                                                                 'client_scale_max = 40'))
    reflection, problems = parse_reflection(path)
    assert reflection is None
    assert [str(p) for p in problems] == [f"{path}: client_score 50 is above client_scale_max 40"]
