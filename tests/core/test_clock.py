import datetime as dt

import pytest

from herenow.clock import SessionClock, format_duration, seconds_until


def test_elapsed_comes_from_the_clock_not_from_ticks(clock) -> None:
    session = SessionClock(50 * 60, now=clock)
    clock.advance(10 * 60)
    assert session.elapsed() == 600
    clock.advance(5 * 60)  # the laptop slept for five minutes: the session still moved on
    reading = session.read()
    assert reading.elapsed == 900 and reading.remaining == 35 * 60
    assert reading.fraction_left == pytest.approx(0.7)


def test_warnings_at_the_right_minute_then_overtime(clock) -> None:
    session = SessionClock(50 * 60, [15, 10, 5], now=clock)
    clock.advance(35 * 60 - 1)
    assert session.read().warning is None
    clock.advance(1)
    assert session.read().warning == 15
    clock.advance(5 * 60)
    assert session.read().warning == 10
    clock.advance(5 * 60)
    assert session.read().warning == 5
    clock.advance(5 * 60 + 3 * 60 + 12)
    reading = session.read()
    assert reading.overtime and reading.remaining == -192 and reading.fraction_left == 0


def test_pause_freezes_the_session_and_moves_the_end(clock) -> None:
    session = SessionClock(50 * 60, now=clock)
    clock.advance(600)
    session.pause()
    ends_before = session.read().ends_at
    clock.advance(120)
    reading = session.read()
    assert reading.paused and reading.elapsed == 600
    assert reading.ends_at == ends_before + 120
    assert session.resume() == 120
    clock.advance(60)
    assert session.elapsed() == 660


def test_format_duration() -> None:
    assert format_duration(725) == "12:05"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(2999.2, round_up=True) == "50:00"
    assert format_duration(725, show_seconds=False) == "12 min"
    assert format_duration(37 * 60 + 30, show_seconds=False, round_up=True) == "38 min"


def test_seconds_until_a_clock_time(clock) -> None:
    start = dt.datetime(2026, 11, 23, 14, 3, 20).timestamp()
    assert seconds_until("14:50", start) == 46 * 60 + 40
    assert seconds_until("9:00", start) == pytest.approx((24 * 60 - 5 * 60 - 3) * 60 - 20)
    with pytest.raises(ValueError, match="is not a time like 14:50"):
        seconds_until("quarter past", start)


def test_no_warning_longer_than_the_session_itself(clock) -> None:
    session = SessionClock(8 * 60, [15, 10, 5], now=clock)
    assert session.read().warning is None  # not "10 min left" in an 8-minute session
    clock.advance(3 * 60)
    assert session.read().warning == 5


class Steady:
    """A steady (boot-time) clock apart from the wall clock, so a test can move the wall clock alone."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_wall_clock_set_back_or_forward_changes_nothing(clock) -> None:
    steady = Steady()
    session = SessionClock(50 * 60, now=clock, steady=steady)
    started = session.started
    steady.now += 600
    clock.advance(600)
    clock.advance(-2 * 3600)  # someone sets the clock back two hours (or NTP steps it)
    assert session.elapsed() == 600
    assert session.ended_at() == started + 600  # never before the start
    clock.advance(5 * 3600)  # and then five hours forward (DST, a wrong time zone fixed)
    assert session.elapsed() == 600 and session.read().remaining == 40 * 60
    steady.now += 300  # a real five minutes, asleep or not
    assert session.elapsed() == 900


def test_the_steady_clock_counts_sleep_where_the_platform_can() -> None:
    import time

    from herenow.clock import steady, steady_for

    assert steady_for(time.time) is steady
    if hasattr(time, "CLOCK_BOOTTIME"):
        assert abs(steady() - time.clock_gettime(time.CLOCK_BOOTTIME)) < 1
    fake = Steady()
    assert steady_for(fake) is fake  # a test's fake clock drives both


def test_until_must_fall_within_the_next_ten_hours() -> None:
    from herenow.clock import session_until

    at_12_23 = dt.datetime(2026, 11, 23, 12, 23).timestamp()
    assert session_until("13:10", at_12_23) == 47 * 60
    assert session_until("22:23", at_12_23) == 10 * 3600  # exactly ten hours: allowed, like --minutes 600
    with pytest.raises(ValueError) as caught:
        session_until("12:00", at_12_23)  # not a session of 23 h 37 min
    assert str(caught.value) == ("--until 12:00 is more than 10 hours after now (12:23); "
                                 "it takes a time within the next 10 hours")
    with pytest.raises(ValueError, match="is not a time like 14:50"):
        session_until("25:99", at_12_23)
