"""The built-in decks as content: enough cues, a prompt for every stage, no card twice, the cues' voice, and a
reflection that always reaches "now what" with any choice of the default decks."""

from __future__ import annotations

import itertools

import pytest

from herenow.config import Config
from herenow.decks.library import load_library
from herenow.decks.model import _ORDER_STARTS, GLANCE_WORDS, STAGES, normalised
from herenow.store.reflections import DEFAULT_PROMPTS, prompts_for

LIBRARY = load_library()
BUILTIN = {name: item.deck for name, item in LIBRARY.decks.items()}
DEFAULT_DECKS = Config().decks


def test_ten_builtin_decks_each_rich_enough() -> None:
    assert sorted(BUILTIN) == ["collaboration", "endings-breaks", "ethics-boundaries", "frame", "here-and-now",
                               "identity-power", "pacing-safety", "power", "recognition", "rupture-repair"]
    for name, deck in BUILTIN.items():
        assert len(deck.cues) >= 8, name
        for stage in STAGES:
            assert deck.prompts_at(stage), (name, stage)


def test_no_two_builtin_cues_share_a_normalised_text() -> None:
    seen: dict[str, str] = {}
    for name, deck in BUILTIN.items():
        for cue in deck.cues:
            key = normalised(cue.text)
            assert key not in seen, f"{name} {cue.id} repeats {seen.get(key)}"
            seen[key] = f"{name} {cue.id}"


def test_normalised_text_ignores_case_punctuation_and_spacing() -> None:
    assert normalised("How are the two of us doing, today?") == normalised("how are  the two of us doing today")
    assert normalised("Whose need does this serve?") != normalised("Whose needs does this serve?")


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_cue_reads_as_an_invitation_at_a_glance(name: str) -> None:
    for cue in BUILTIN[name].cues:
        assert len(cue.text.split()) <= GLANCE_WORDS, (cue.id, cue.text)
        assert not _ORDER_STARTS.match(cue.text), (cue.id, cue.text)
        assert not cue.text.endswith("!"), cue.id


def test_the_order_regex_still_catches_orders() -> None:
    # The lint above is only as good as the pattern: it must still flag what it is meant to.
    for order in ("Tell the client to slow down", "Don't interrupt", "You should name it", "Ask them why"):
        assert _ORDER_STARTS.match(order), order


def test_first_session_cues_are_the_consent_and_how_this_works_ones() -> None:
    first = sorted(cue.id for deck in BUILTIN.values() for cue in deck.cues if cue.first_session)
    assert first == ["eb-05", "eb-06", "fr-02", "fr-15"]


def test_default_decks_keep_the_four_general_ones() -> None:
    assert DEFAULT_DECKS == ["here-and-now", "collaboration", "rupture-repair", "frame"]
    assert all(name in BUILTIN for name in DEFAULT_DECKS)


def _plan(names, seed):
    return prompts_for([(n, BUILTIN[n].prompts) for n in names], seed=seed)


COMBINATIONS = [list(c) for r in range(1, len(DEFAULT_DECKS) + 1)
                for c in itertools.combinations(DEFAULT_DECKS, r)]


@pytest.mark.parametrize("names", COMBINATIONS, ids=lambda names: "+".join(names))
def test_any_combination_of_default_decks_gives_one_prompt_per_stage(names) -> None:
    for seed in ("2026-11-17-1400-ab12", "2026-11-18-0900-ffff", "x"):
        plan = _plan(names, seed)
        assert [p.stage for p in plan.shown] == ["what", "so-what", "now-what"]
        assert all(p.deck in names for p in plan.shown)  # from the session's decks, not the defaults
        assert plan.shown == _plan(names, seed).shown  # stable for a session


def test_a_linked_so_what_stays_with_its_what() -> None:
    for seed in range(40):
        what, so_what, _ = _plan(DEFAULT_DECKS, seed).shown
        linked = [p for p in BUILTIN[what.deck].prompts if p.follows == what.id]
        if linked:
            assert so_what.follows == what.id and so_what.deck == what.deck


def test_which_deck_supplies_each_stage_turns_with_the_session() -> None:
    suppliers = {tuple(p.deck for p in _plan(DEFAULT_DECKS, f"2026-11-{d:02d}-1400-ab12").shown)
                 for d in range(1, 29)}
    assert len({s[0] for s in suppliers}) == len(DEFAULT_DECKS)  # every deck gets to open the reflection


def test_more_prompts_come_after_without_repeats_and_keep_links() -> None:
    plan = _plan(DEFAULT_DECKS, "s")
    shown_texts = [p.text for p in plan.shown]
    more = []
    while True:
        batch = plan.take_more()
        if not batch:
            break
        assert len(batch) >= 1
        if batch[-1].stage == "what":  # a what never ends a batch while a prompt written to follow it waits
            assert not any(p.follows == batch[-1].id and p.deck == batch[-1].deck for p in plan.more)
        more += batch
    every = shown_texts + [p.text for p in more]
    assert len(every) == len(set(every))
    deck_total = sum(len(BUILTIN[n].prompts) for n in DEFAULT_DECKS)
    assert len(every) == deck_total + len(DEFAULT_PROMPTS)


def test_no_deck_prompts_means_the_three_defaults_one_per_stage() -> None:
    plan = prompts_for([], seed="s")
    assert [p.text for p in plan.shown] == list(DEFAULT_PROMPTS)
    assert [p.stage for p in plan.shown] == ["what", "so-what", "now-what"] and plan.more == []


def test_a_deck_missing_a_stage_gets_the_default_for_that_stage_only() -> None:
    from herenow.decks.model import Prompt

    only_what = [Prompt(id="a", stage="what", text="Where was I today?")]
    plan = prompts_for([("mine", only_what)], seed=1)
    assert [p.text for p in plan.shown] == ["Where was I today?", DEFAULT_PROMPTS[1], DEFAULT_PROMPTS[2]]
