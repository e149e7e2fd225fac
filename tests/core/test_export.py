"""Export: Markdown for supervision, JSON and CSV; client codes only when asked; empty stores too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from herenow.store.export import NOT_ENCRYPTED, csv_columns, export
from herenow.store.records import CueEvent, Moment, SessionRecord
from herenow.store.reflections import Answer, Reflection

UTC = dt.timezone.utc


def sample(rid: str = "2026-11-17-1400-ab12", day: int = 17, **extra) -> Reflection:
    record = SessionRecord(
        id=rid, started=dt.datetime(2026, 11, day, 14, 0, tzinfo=UTC), planned_minutes=50, elapsed_seconds=3000,
        decks=["here-and-now", "frame"], moments=[Moment(kind="rupture", at=1905), Moment(at=1390)],
        acted_on=[CueEvent(deck="frame", id="f1", text="Notice the time.", at=2700)],
    )
    fields = dict(
        id=rid, created=record.started, session=record,
        answers=[Answer(prompt="What happened?", text="She went quiet.\n# not a heading"),
                 Answer(prompt="What was my part?", text=""), Answer(prompt="Now what?", text="Name it.")],
        ratings={"connection": 4, "choice": 2}, supervision=True, invited_feedback=False, tags=["quiet", "ending"],
        note="Ça suffit ✨", client_code="Robin",
    )
    fields.update(extra)
    return Reflection(**fields)


def test_markdown_for_supervision() -> None:
    text = export([sample(), sample("2026-11-03-0900-cd34", day=3, answers=[], ratings={}, note="",
                                    supervision=False, invited_feedback=None, tags=[], client_code="")], "md")
    lines = text.splitlines()
    assert lines[0] == NOT_ENCRYPTED and "not encrypted" in lines[0]
    assert "2 sessions, 03 Nov 2026 to 17 Nov 2026" in text
    sections = [line for line in lines if line.startswith("## ")]
    assert sections == ["## Tue 03 Nov 2026, 14:00 (50 min)", "## Tue 17 Nov 2026, 14:00 (50 min)"]  # oldest first
    assert "### Moments\n\n- 23:10 moment\n- 31:45 rupture" in text
    assert "### Cues acted on\n\n- 45:00 Notice the time." in text
    assert "**What happened?**\n\nShe went quiet.\n\\# not a heading" in text
    assert "What was my part?" not in text  # unanswered prompts are left out
    assert "### Ratings (1-5, my own perception today, 5 is more; not a validated measure)" in text
    assert "- How connected we felt: 4 of 5" in text and "- How much room the client had to choose: 2 of 5" in text
    assert "- To take to supervision: yes" in text and "- Invited the client's feedback: no" in text
    assert "- Tags: quiet, ending" in text and "Ça suffit ✨" in text
    assert "No reflection written for this session." in text  # the one left empty
    assert "Robin" not in text and "Client code" not in text
    assert "- Client code: Robin" in export([sample()], "md", include_client_codes=True)


def test_json_is_complete_and_leaves_client_codes_out() -> None:
    doc = json.loads(export([sample()], "json"))
    assert doc["note"] == NOT_ENCRYPTED and doc["schema_version"] == 2
    (item,) = doc["reflections"]
    assert "client_code" not in item
    assert item["answers"][0]["text"] == "She went quiet.\n# not a heading"
    assert item["session"]["moments"][0] == {"kind": "rupture", "at": 1905}
    assert item["ratings"] == {"connection": 4, "choice": 2} and item["note"] == "Ça suffit ✨"
    assert Reflection.model_validate(item).session.started == sample().session.started
    with_codes = json.loads(export([sample()], "json", include_client_codes=True))
    assert with_codes["reflections"][0]["client_code"] == "Robin"


def test_csv_one_row_per_session() -> None:
    rows = list(csv.DictReader(io.StringIO(export([sample()], "csv"), newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert "client_code" not in row
    assert row["started"] == "2026-11-17T14:00:00+00:00" and row["length_minutes"] == "50"
    assert row["moments"] == "23:10 moment; 31:45 rupture"
    assert row["rating_connection"] == "4" and row["rating_direction"] == "" and row["rating_choice"] == "2"
    assert row["answer_1"] == "She went quiet.\n# not a heading" and row["prompt_3"] == "Now what?"
    assert row["supervision"] == "yes" and row["invited_feedback"] == "no" and row["tags"] == "quiet; ending"
    with_codes = list(csv.DictReader(io.StringIO(export([sample()], "csv", include_client_codes=True))))
    assert with_codes[0]["client_code"] == "Robin"


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_an_empty_store_exports_cleanly(fmt: str) -> None:
    text = export([], fmt)
    if fmt == "md":
        assert text.splitlines()[0] == NOT_ENCRYPTED and "No reflections to export." in text
    elif fmt == "json":
        assert json.loads(text)["reflections"] == []
    else:
        assert list(csv.reader(io.StringIO(text))) == [csv_columns()]


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        export([], "xml")


@settings(max_examples=50, deadline=None)
@given(answer=st.text(max_size=120), note=st.text(max_size=60))
def test_any_unicode_survives_json_and_csv(answer: str, note: str) -> None:
    item = sample(answers=[Answer(prompt="Q?", text=answer)], note=note)
    doc = json.loads(export([item], "json"))
    assert doc["reflections"][0]["answers"][0]["text"] == answer and doc["reflections"][0]["note"] == note
    row = next(csv.DictReader(io.StringIO(export([item], "csv"), newline="")))
    assert row["answer_1"] == answer and row["note"] == note
    assert export([item], "md").splitlines()[0] == NOT_ENCRYPTED


def test_user_text_keeps_its_words_and_never_becomes_markdown_syntax() -> None:
    from herenow.store.export import markdown_text

    text = "# not a heading\n---\n> not a quote\n- not a list\n1. not numbered\n12) nor this\n2026 was hard\nplain"
    assert markdown_text(text).splitlines() == [
        "\\# not a heading", "\\---", "\\> not a quote", "\\- not a list", "1\\. not numbered", "12\\) nor this",
        "2026 was hard", "plain"]
    # Rendered, it is one paragraph with the words as typed: no heading, rule, quote or list.
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown_text(text))
    assert {t.type for t in tokens} == {"paragraph_open", "inline", "paragraph_close"}
    assert tokens[1].children and "".join(c.content for c in tokens[1].children if c.type == "text") == \
        text.replace("\n", "")


def test_the_clients_voice_is_exported_in_every_format() -> None:
    voiced = sample(client_words="It helped to slow down.", client_score=34, client_scale_max=40)
    text = export([voiced], "md")
    assert "### The client's own view\n\n- Their score for the session: 34/40\n\nIt helped to slow down." in text
    item = json.loads(export([voiced], "json"))["reflections"][0]
    assert (item["client_words"], item["client_score"], item["client_scale_max"]) == (
        "It helped to slow down.", 34, 40)
    row = next(csv.DictReader(io.StringIO(export([voiced], "csv"), newline="")))
    assert (row["client_score"], row["client_scale_max"], row["client_words"]) == ("34", "40",
                                                                                  "It helped to slow down.")
    # Without it, no empty section.
    assert "client's own view" not in export([sample()], "md")


def test_an_old_power_rating_exports_under_its_own_label_not_as_choice() -> None:
    old = sample(ratings={"connection": 4, "power": 2})
    text = export([old], "md")
    assert "- Power in the room (earlier question, no set direction): 2 of 5" in text
    assert "room the client had to choose" not in text
    row = next(csv.DictReader(io.StringIO(export([old], "csv"), newline="")))
    assert row["rating_choice"] == "" and row["rating_power_earlier_question"] == "2"
