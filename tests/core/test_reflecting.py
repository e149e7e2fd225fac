"""ReflectionDraft without Textual: when a draft is due, what is kept, no silent replace, what quitting would lose."""

from __future__ import annotations

import datetime as dt

import pytest

from herenow.reflecting import MAX_WAIT, PAUSE, ReflectionDraft, find_waiting
from herenow.store.drafts import DraftStore
from herenow.store.records import SessionRecord, SessionStore
from herenow.store.reflections import Answer, Reflection, ReflectionStore
from conftest import read_every_file

UTC = dt.timezone.utc
CREATED = dt.datetime(2026, 11, 17, 14, 51, tzinfo=UTC)


def record(record_id: str = "2026-11-17-1400-ab12cd34") -> SessionRecord:
    return SessionRecord(id=record_id, started=dt.datetime(2026, 11, 17, 14, 0, tzinfo=UTC), planned_minutes=50,
                         elapsed_seconds=3000, decks=["frame"])


def state(rec: SessionRecord, text: str = "", note: str = "") -> Reflection:
    return Reflection(id=rec.id, created=CREATED, session=rec, answers=[Answer(prompt="What happened?", text=text)],
                      note=note)


def open_draft(clock, rec: SessionRecord | None = None, **kw) -> ReflectionDraft:
    rec = rec or record()
    draft = ReflectionDraft.open(rec, store=ReflectionStore(), records=SessionStore(), created=CREATED,
                                 steady=clock, **kw)
    draft.start(state(rec))
    return draft


def test_a_draft_is_due_after_a_pause_in_typing(clock) -> None:
    draft = open_draft(clock)
    assert draft.due_in() is None  # nothing typed, nothing due
    draft.edit(state(draft.record, "W"))
    assert draft.due_in() == PAUSE
    clock.advance(PAUSE)
    assert draft.keep_if_due() is None and DraftStore().load(draft.record.id)[0].answers[0].text == "W"
    assert draft.due_in() is None


def test_steady_typing_is_never_more_than_the_max_wait_ahead_of_the_draft(clock) -> None:
    draft = open_draft(clock)
    text, writes, lag = "", [], 0.0
    for i in range(200):  # twenty seconds of a key every 100 ms: never a pause
        text += "abcdefghij"[i % 10]
        draft.edit(state(draft.record, text))
        clock.advance(0.1)
        if draft.due_in() == 0:
            draft.keep_if_due()
            writes.append(clock.now)
        on_disk = DraftStore().load(draft.record.id)[0]
        kept = len(on_disk.answers[0].text) if on_disk else 0
        lag = max(lag, (len(text) - kept) * 0.1)
    assert MAX_WAIT <= 2.0
    assert lag <= MAX_WAIT + 0.1 + 1e-9  # at most the max-wait (and one key) behind, not "everything"
    assert len(writes) >= 20 / (MAX_WAIT + 0.1) - 1  # and not a write per key either


def test_keep_writes_only_what_changed(clock, monkeypatch) -> None:
    draft = open_draft(clock)
    assert draft.keep() is None and not DraftStore().exists(draft.record.id)  # nothing typed: no draft
    draft.edit(state(draft.record, "Words"))
    assert draft.keep() is None
    writes = []
    monkeypatch.setattr(DraftStore, "save", lambda self, s: writes.append(s))
    draft.edit(state(draft.record, "Words"))  # the same content again
    assert draft.keep() is None and writes == []


def test_a_draft_that_cannot_be_kept_says_why_and_is_tried_again(clock, monkeypatch) -> None:
    draft = open_draft(clock)

    def full(self, s):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(DraftStore, "save", full)
        draft.edit(state(draft.record, "Words"))
        assert draft.keep() == "could not keep a draft (No space left on device)"
    draft.edit(state(draft.record, "Words, more"))
    clock.advance(PAUSE)
    assert draft.keep_if_due() is None and draft.keep_error is None
    assert DraftStore().load(draft.record.id)[0].answers[0].text == "Words, more"


def test_saving_tidies_the_draft_and_the_record(clock) -> None:
    rec = record()
    SessionStore().save(rec)
    draft = open_draft(clock, rec)
    draft.edit(state(rec, "What stays with me"))
    draft.keep()
    outcome = draft.save(state(rec, "What stays with me"))
    assert outcome.status == "saved" and outcome.message == "Reflection saved."
    assert not DraftStore().exists(rec.id) and SessionStore().pending()[0] == []
    assert ReflectionStore().get(rec.id)[0].answers[0].text == "What stays with me"


def test_a_saved_reflection_is_never_replaced_by_a_second_window(clock) -> None:
    rec = record()
    first = open_draft(clock, rec)
    second = open_draft(clock, rec)  # the same session open twice
    assert first.save(state(rec, "Window A's words")).status == "saved"
    outcome = second.save(state(rec, "Window B's words"))
    assert outcome.status == "conflict" and "nothing was replaced" in outcome.message
    texts = sorted(r.answers[0].text for r in read_every_file(ReflectionStore())[0])
    assert texts == ["Window A's words", "Window B's words"]
    assert ReflectionStore().get(rec.id)[0].answers[0].text == "Window A's words"


def test_discard_never_writes_an_empty_reflection_over_a_saved_one(clock) -> None:
    rec = record()
    ReflectionStore().save(state(rec, "The final text"))
    SessionStore().save(rec)  # a leftover: the save succeeded, the tidy-up did not
    draft = open_draft(clock, rec)
    outcome = draft.discard()
    assert outcome.finished and "kept as it was" in outcome.message
    assert ReflectionStore().get(rec.id)[0].answers[0].text == "The final text"
    assert SessionStore().pending()[0] == []


def test_a_privacy_warning_then_a_second_save_goes_ahead(clock) -> None:
    rec = record()
    draft = open_draft(clock, rec)
    private = state(rec, "Call me on 0612345678")
    first = draft.save(private)
    assert first.status == "warned" and first.message.endswith("ctrl+s again saves it as it is.")
    assert draft.edit(state(rec, "Call me on 0612345678.")) is True  # changed: the warning no longer applies
    assert draft.save(state(rec, "Call me on 0612345678.")).status == "warned"
    assert draft.save(state(rec, "Call me on 0612345678.")).status == "saved"


def test_quitting_asks_only_when_nothing_could_be_saved_or_kept(clock, monkeypatch) -> None:
    rec = record()
    draft = open_draft(clock, rec)
    typed = state(rec, "Words", note="a note")
    draft.edit(typed)
    assert draft.what_would_be_lost(typed) is None and DraftStore().exists(rec.id)  # kept on the way out

    def read_only(self, s):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(DraftStore, "save", read_only)
    monkeypatch.setattr(ReflectionStore, "save", read_only)
    more = state(rec, "Words and more", note="a note")
    draft.edit(more)
    assert draft.save(more).status == "error"
    lost = draft.what_would_be_lost(more)
    assert lost == ("Nothing here could be saved or kept as a draft (Read-only file system).\n"
                    "Quitting now loses 1 answer, the note.")


def test_waiting_tidies_leftovers_and_never_offers_a_running_session(clock) -> None:
    running, leftover, waiting, drafted = (record(f"2026-11-17-1400-0000000{i}") for i in range(4))
    records = SessionStore()
    for rec in (running, leftover, waiting, drafted):
        records.save(rec)
    elsewhere = SessionStore()  # another window, running a session
    elsewhere.hold(running.id)
    ReflectionStore().save(state(leftover, "Saved before"))
    DraftStore().save(state(leftover, "An older draft"))
    DraftStore().save(state(drafted, "Half written"))
    found = find_waiting(records, DraftStore(), ReflectionStore())
    assert [r.id for r in found.running] == [running.id]
    assert [r.id for r in found.records] == [waiting.id]
    assert [d.id for d in found.drafts] == [drafted.id] and found.count == 2
    assert not DraftStore().exists(leftover.id) and not records.path(leftover.id).exists()  # tidied away
    assert ReflectionStore().get(leftover.id)[0].answers[0].text == "Saved before"  # never overwritten


@pytest.mark.parametrize("kind", ["record", "draft"])
def test_a_leftover_is_not_offered_again(clock, kind) -> None:
    rec = record()
    ReflectionStore().save(state(rec, "Final"))
    if kind == "record":
        SessionStore().save(rec)
    else:
        DraftStore().save(state(rec, "Older"))
    assert find_waiting(SessionStore(), DraftStore(), ReflectionStore()).count == 0
