"""u in a session: a mark or an acted-on tally pressed by mistake is taken back, in the saved record too."""

import tomllib

from herenow.config import Config, load_config
from herenow.decks.library import load_library
from herenow.live import LiveSession


def make(clock) -> LiveSession:
    return LiveSession([load_library().get("frame").deck], Config(), now=clock, seed=11)


def saved(live: LiveSession, home) -> dict:
    return tomllib.loads((home / "sessions" / f"{live.record.id}.toml").read_text())


def test_undo_takes_back_the_last_mark_then_the_one_before(clock, herenow_home) -> None:
    live = make(clock)
    clock.advance(60)
    live.mark("moment")
    clock.advance(60)
    assert live.act_on()
    clock.advance(60)
    live.mark("rupture")
    assert [m["kind"] for m in saved(live, herenow_home)["moments"]] == ["moment", "rupture"]

    undone = live.undo()
    assert undone.kind == "rupture" and undone.at == 180
    on_disk = saved(live, herenow_home)
    assert [m["kind"] for m in on_disk["moments"]] == ["moment"] and len(on_disk["acted_on"]) == 1

    assert live.undo().at == 120  # the acted-on tally
    assert saved(live, herenow_home).get("acted_on", []) == []
    assert live.undo().kind == "moment"
    assert live.undo() is None  # nothing left: nothing else is touched
    assert live.record.moments == [] and live.record.acted_on == [] and len(live.record.cues_shown) == 1


def test_after_undoing_acted_on_the_cue_can_be_acted_on_again(clock) -> None:
    live = make(clock)
    assert live.act_on() and not live.act_on()
    live.undo()
    assert live.act_on() and len(live.record.acted_on) == 1


def test_the_undo_key_is_configurable(herenow_home) -> None:
    herenow_home.mkdir(parents=True, exist_ok=True)
    (herenow_home / "config.toml").write_text('[keys]\nundo = "z"\n')
    config, problems = load_config()
    assert config.keys.undo == "z" and problems == []
