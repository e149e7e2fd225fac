from collections import Counter

import pytest

from herenow.decks.model import Deck
from herenow.decks.schema import validate_deck


def deck_of(**fields):
    return validate_deck(fields)
from herenow.decks.library import load_library
from herenow.scheduler import CueScheduler


def deck(name: str, phases: dict[str, int], weight: float = 1.0) -> Deck:
    cues = [{"id": f"{phase}-{i}", "text": f"{phase} {i}?", "phase": phase, "weight": weight}
            for phase, count in phases.items() for i in range(count)]
    return deck_of(name=name, title=name, cues=cues)


def test_no_repeats_until_the_pool_is_used_up() -> None:
    sched = CueScheduler([deck("d", {"middle": 5, "any": 3})], planned=3000, opening=0, closing=0, seed=1)
    seen = [sched.next(1000).key for _ in range(8)]
    assert len(set(seen)) == 8
    ninth = sched.next(1000)
    assert ninth.key != seen[-1]  # a new round starts, never the same card twice in a row


def test_phase_aware_opening_middle_closing() -> None:
    sched = CueScheduler([deck("d", {"opening": 2, "middle": 3, "closing": 2, "any": 1})], planned=3000,
                         opening=300, closing=600, seed=3)
    assert sched.start(0).cue.phase == "opening"
    assert sched.next(60).cue.phase == "opening"
    middle = {sched.next(1000 + i).cue.phase for i in range(8)}
    assert middle <= {"middle", "any"}
    closing = [sched.next(2500).cue.phase for _ in range(2)]
    assert closing == ["closing", "closing"]


def test_rotation_by_time_and_closing_switch() -> None:
    sched = CueScheduler([deck("d", {"middle": 6, "closing": 2})], planned=3000, interval=240, opening=0,
                         closing=600, seed=5)
    sched.start(0)
    assert sched.tick(239) is None
    assert sched.tick(240) is not None
    assert sched.tick(300) is None
    # Entering the last ten minutes brings a closing cue without waiting for the interval.
    assert sched.tick(2400).cue.phase == "closing"


def test_weights_shape_how_often_cues_come() -> None:
    heavy = deck_of(name="w", title="w", cues=[{"id": "a", "text": "a", "weight": 9}, {"id": "b", "text": "b"}])
    counts: Counter[str] = Counter()
    for seed in range(300):
        counts[CueScheduler([heavy], planned=3000, opening=0, closing=0, seed=seed).start(1000).cue.id] += 1
    assert counts["a"] > counts["b"] * 4


def test_deterministic_given_a_seed_and_back_then_forward() -> None:
    decks = [item.deck for item in load_library().decks.values()]
    run = lambda: [CueScheduler(decks, planned=3000, seed=42).next(t).key for t in range(0, 3000, 240)]  # noqa: E731
    assert run() == run()
    sched = CueScheduler(decks, planned=3000, seed=7)
    first = sched.start(0)
    second = sched.next(10)
    assert sched.previous(20) == first
    assert sched.previous(20) == first  # nothing before the first
    assert sched.next(30) == second  # forward again goes through what was seen


def test_no_cues_is_an_error() -> None:
    with pytest.raises(ValueError):
        CueScheduler([], planned=3000)


def test_one_card_per_text_across_decks_in_a_whole_session() -> None:
    a = deck_of(name="a", title="A", cues=[{"id": "a1", "text": "How are the two of us doing today?"},
                                        {"id": "a2", "text": "What is happening between us?"}])
    b = deck_of(name="b", title="B", cues=[{"id": "b1", "text": "how are the two of us doing, today"},
                                        {"id": "b2", "text": "Whose agenda is this?"}])
    for seed in range(20):
        sched = CueScheduler([a, b], planned=3000, opening=0, closing=0, seed=seed)
        texts = [sched.next(t).cue.text for t in range(0, 3 * 240, 240)]  # as many cues as there are cards
        assert len({t.lower().strip("?").replace(",", "") for t in texts}) == 3, texts
        assert "b1" not in {d.cue.id for d in sched.history}  # the first deck's copy is the one dealt


def test_builtin_decks_never_show_two_cards_with_the_same_text_in_a_session() -> None:
    from herenow.decks.model import normalised

    library = load_library()
    # A deck of the user's own that copies built-in cues with other capitals and punctuation.
    copies = [cue.text.upper().rstrip("?") for cue in library.get("here-and-now").deck.cues]
    mine = deck_of(name="mine", title="Mine", cues=[{"text": text} for text in copies])
    decks = [mine] + [item.deck for item in library.decks.values()]
    for seed in range(5):
        sched = CueScheduler(decks, planned=3000, interval=30, seed=seed)
        cards: dict[str, set[str]] = {}
        for t in range(0, 3000, 30):
            dealt = sched.next(t)
            cards.setdefault(normalised(dealt.cue.text), set()).add(dealt.key)
        assert all(len(keys) == 1 for keys in cards.values())
        assert not any(d.deck == "here-and-now" for d in sched.history)  # its texts came from "mine" first


def first_deck() -> Deck:
    return deck_of(name="f", title="F", cues=[
        {"id": "consent", "text": "What does the client know about how this works?", "phase": "opening",
         "first_session": True},
        {"id": "open", "text": "Whose agenda is this?", "phase": "opening"},
        {"id": "mid", "text": "What is happening between us?", "phase": "any"},
    ])


def test_first_session_cues_only_in_a_first_session() -> None:
    for seed in range(20):
        ordinary = CueScheduler([first_deck()], planned=3000, interval=60, seed=seed)
        shown = {ordinary.next(t).cue.id for t in range(0, 3000, 60)}
        assert "consent" not in shown and shown == {"open", "mid"}
    first = CueScheduler([first_deck()], planned=3000, interval=60, seed=1, first_session=True)
    assert "consent" in {first.next(t).cue.id for t in range(0, 300, 60)}


def test_a_deck_of_only_first_session_cues_has_nothing_for_an_ordinary_session() -> None:
    only = deck_of(name="o", title="O", cues=[{"text": "How does this work?", "first_session": True}])
    with pytest.raises(ValueError):
        CueScheduler([only], planned=3000)
