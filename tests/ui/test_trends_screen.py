"""The trends screen with the client's own score beside the therapist's ratings, and an old power rating."""

from __future__ import annotations

import datetime as dt

from herenow.context import AppContext
from herenow.store.records import SessionRecord
from herenow.store.reflections import Reflection, ReflectionStore
from herenow.ui.app import HerenowApp
from herenow.ui.screens.trends import TrendsScreen

from conftest import screen_text

UTC = dt.timezone.utc


def save(day: int, ratings: dict, score: tuple[float, float] | None = None) -> None:
    started = dt.datetime(2026, 11, day, 14, tzinfo=UTC)
    record = SessionRecord(id=f"2026-11-{day:02d}-1400-aaaa", started=started, planned_minutes=50,
                           elapsed_seconds=3000)
    reflection = Reflection(id=record.id, created=started, session=record, ratings=ratings)
    if score:
        reflection.client_score, reflection.client_scale_max = score
    ReflectionStore().save(reflection)


async def test_the_clients_score_shows_beside_the_ratings_when_kept(clock) -> None:
    save(2, {"connection": 4, "power": 3})  # written before the change: the old question
    save(9, {"connection": 3, "choice": 4}, (34, 40))
    save(16, {"connection": 5, "choice": 5}, (9, 10))
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(TrendsScreen())
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#spark-client-score").data == [85, 90]
        text = screen_text(app)
        assert "The client's own score" in text and "average 88%" in text
        assert "shown as a share of the scale they used" in text
        assert "Power in the room (earlier" in text  # labelled as the earlier question
        assert screen.query_one("#spark-rating-power").data == [3]
        assert screen.query_one("#spark-rating-choice").data == [4, 5]


async def test_no_client_line_without_client_scores(clock) -> None:
    save(2, {"connection": 4})
    app = HerenowApp(AppContext.load(now=clock))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(TrendsScreen())
        await pilot.pause()
        assert not app.screen.query("#trend-client-score")
        assert "client's own score" not in screen_text(app)
