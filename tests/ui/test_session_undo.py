"""u on the session screen: the last mark or acted-on tally goes, said on the quiet status line."""

from conftest import screen_text
from herenow.context import AppContext
from herenow.ui.app import HerenowApp, SessionOptions


def status(app) -> str:
    return app.screen.query_one("#status").shown


async def test_u_undoes_the_last_mark_and_says_so_quietly(clock) -> None:
    app = HerenowApp(AppContext.load(now=clock, seed=4), start="session",
                     session=SessionOptions(deck_names=["frame"]))
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(12 * 60 + 4)
        await pilot.press("n")
        clock.advance(60)
        await pilot.press("r")
        assert status(app) == "rupture marked at 13:04 · u undoes"
        await pilot.press("u")
        await pilot.pause()
        assert "undid: rupture mark at 13:04" in screen_text(app)
        assert app.screen.live.record.moments == []
        await pilot.press("u")
        assert status(app) == "undid: acted on at 12:04" and app.screen.live.record.acted_on == []
        await pilot.press("u")
        assert status(app) == "nothing to undo"


async def test_the_undo_key_comes_from_the_config(clock, herenow_home) -> None:
    herenow_home.mkdir(parents=True, exist_ok=True)
    (herenow_home / "config.toml").write_text('[keys]\nundo = "z"\n')
    app = HerenowApp(AppContext.load(now=clock, seed=4), start="session",
                     session=SessionOptions(deck_names=["frame"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        assert status(app).endswith("· z undoes")
        await pilot.press("u")
        assert len(app.screen.live.record.moments) == 1
        await pilot.press("z")
        assert app.screen.live.record.moments == []
