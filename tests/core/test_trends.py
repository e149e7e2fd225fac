"""Trends from index rows: plain numbers, and a quiet flag that compares a person only with themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from herenow import stats

UTC = dt.timezone.utc


@dataclass
class Row:
    id: str
    started: dt.datetime
    ratings: dict = field(default_factory=dict)
    moments: tuple = ()
    acted_on: tuple = ()


def day(n: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 1, 1, hour, tzinfo=UTC) + dt.timedelta(days=n)


def test_empty_set_gives_empty_trends() -> None:
    result = stats.compute([])
    assert result.sessions == 0 and result.flags == [] and result.sessions_per_week == []
    assert result.mean_moments is None and result.mean_per_week is None


def test_rating_series_are_in_time_order_with_averages() -> None:
    rows = [Row("b", day(2), {"connection": 2, "power": 5}), Row("a", day(1), {"connection": 4}),
            Row("c", day(3), {"connection": 3, "direction": 1})]
    result = stats.compute(rows, rating_order=["connection", "direction", "power"])
    assert list(result.ratings) == ["connection", "direction", "power"]
    assert result.ratings["connection"].values == [4, 2, 3]
    assert result.ratings["connection"].mean == 3.0
    assert result.ratings["connection"].recent_mean(2) == 2.5
    assert result.first == day(1) and result.last == day(3) and result.sessions == 3


def test_quiet_flag_when_a_rating_is_well_below_the_recent_average() -> None:
    rows = [Row(f"r{i}", day(i), {"connection": 4}) for i in range(10)]
    rows.append(Row("low", day(10), {"connection": 2}))  # 2 <= 4 - 1.5
    rows.append(Row("a-bit-low", day(11), {"connection": 3}))  # mean of previous 10 is 3.8: not flagged
    flags = stats.quiet_flags(stats.chronological(rows))
    assert [(f.id, f.rating, f.value, f.recent_mean) for f in flags] == [("low", "connection", 2, 4.0)]
    assert flags[0].below_by == 2.0


def test_no_flag_without_enough_history_and_newest_first() -> None:
    few = [Row("a", day(0), {"choice": 5}), Row("b", day(1), {"choice": 1})]
    assert stats.quiet_flags(few) == []
    rows = [Row(f"r{i}", day(i), {"choice": 5}) for i in range(6)]
    rows += [Row("first-dip", day(6), {"choice": 2}), Row("r7", day(7), {"choice": 5}),
             Row("second-dip", day(8), {"choice": 1})]
    assert [f.id for f in stats.quiet_flags(rows)] == ["second-dip", "first-dip"]


def test_the_old_power_rating_is_drawn_but_never_flagged() -> None:
    # "How I held the power in the room" had no set direction: a low value is not "worse", so no quiet note.
    rows = [Row(f"r{i}", day(i), {"power": 5, "connection": 4}) for i in range(6)]
    rows.append(Row("dip", day(6), {"power": 1, "connection": 4}))
    result = stats.compute(rows, rating_order=["connection", "direction", "choice"])
    assert result.flags == []
    assert list(result.ratings) == ["connection", "power"] and result.ratings["power"].values == [5] * 6 + [1]


def test_client_scores_beside_the_ratings_only_where_kept() -> None:
    @dataclass
    class ScoredRow(Row):
        client_score: float | None = None

    rows = [ScoredRow("a", day(1), {"connection": 4}, client_score=0.85),
            ScoredRow("b", day(2), {"connection": 3}),
            ScoredRow("c", day(3), {}, client_score=0.5), Row("d", day(4), {"connection": 5})]
    result = stats.compute(rows)
    assert result.client_scores == [(day(1), 0.85), (day(3), 0.5)]
    assert result.client_mean == 0.675 and result.client_recent_mean(1) == 0.5
    assert stats.compute([Row("x", day(1), {"connection": 4})]).client_scores == []


def test_only_the_previous_ten_count() -> None:
    rows = [Row(f"old{i}", day(i), {"direction": 1}) for i in range(20)]
    rows += [Row(f"new{i}", day(20 + i), {"direction": 5}) for i in range(10)]
    rows.append(Row("dip", day(40), {"direction": 3}))  # 3.5 below the recent 5s; far above the old 1s
    assert [f.id for f in stats.quiet_flags(rows)] == ["dip"]


def test_sessions_per_week_counts_empty_weeks() -> None:
    monday = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    rows = [Row("a", monday), Row("b", monday + dt.timedelta(days=4)), Row("c", monday + dt.timedelta(days=15))]
    weeks = stats.sessions_per_week(rows)
    assert weeks == [(dt.date(2026, 3, 2), 2), (dt.date(2026, 3, 9), 0), (dt.date(2026, 3, 16), 1)]
    assert stats.compute(rows).mean_per_week == 1.0


def test_moments_per_session_and_top_cues() -> None:
    rows = [
        Row("a", day(1), moments=(("moment", 10), ("rupture", 20)),
            acted_on=(("hn", "hn-01", "What is happening now?", 30), ("co", "co-02", "Shared direction?", 40))),
        Row("b", day(2), moments=(), acted_on=(("hn", "hn-01", "What is happening now?", 50),)),
        Row("c", day(3), moments=(("repair", 5),)),
    ]
    result = stats.compute(rows, top=5)
    assert result.moments_per_session == [2, 0, 1] and result.mean_moments == 1.0
    assert result.top_acted_on == [("What is happening now?", 2), ("Shared direction?", 1)]
    assert stats.top_acted_on(rows, 1) == [("What is happening now?", 2)]


def test_trends_from_real_index_rows(tmp_path) -> None:
    from herenow.store.records import SessionRecord
    from herenow.store.indexed import IndexedStore
    from herenow.store.reflections import new_reflection

    store = IndexedStore()
    for i, rating in enumerate([4, 4, 5, 4, 4, 4, 1]):
        started = day(i * 7)
        record = SessionRecord(id=f"{started:%Y-%m-%d-%H%M}-0000", started=started, planned_minutes=50,
                               elapsed_seconds=3000)
        reflection = new_reflection(record, ["What happened?"])
        reflection.ratings = {"connection": rating}
        store.save(reflection)
    rows, _ = store.rows(order="date", descending=False)
    result = stats.compute(rows)
    assert result.sessions == 7 and len(result.sessions_per_week) == 7
    assert [f.value for f in result.flags] == [1]
