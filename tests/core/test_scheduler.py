from collections import Counter

import pytest

from herenow.decks.model import Deck
from herenow.decks.library import load_library
from herenow.scheduler import CueScheduler


def deck(name: str, phases: dict[str, int], weight: float = 1.0) -> Deck:
    cues = [{"id": f"{phase}-{i}", "text": f"{phase} {i}?", "phase": phase, "weight": weight}
            for phase, count in phases.items() for i in range(count)]
    return Deck(name=name, title=name, cues=cues)


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
    heavy = Deck(name="w", title="w", cues=[{"id": "a", "text": "a", "weight": 9}, {"id": "b", "text": "b"}])
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
