from herenow.listing import describe, ratings_text
from herenow.store.reflections import Query
from herenow.text import plural, shorten


def test_shorten_keeps_whole_words_and_marks_the_rest() -> None:
    assert shorten("frame, collaboration, endings", 11) == "frame, …"
    assert shorten("  short\n text ", 20) == "short text"
    assert shorten("Unbelievably", 6) == "Unbel…"  # one long word is cut, never only "…"
    assert shorten("here-and-now, frame", 11) == "here-and-n…"  # not broken at a hyphen
    assert all(len(shorten("word " * 30, n)) <= n for n in range(1, 40))


def test_plural_and_ratings_text() -> None:
    assert plural(1, "file") == "1 file" and plural(2500, "reflection") == "2,500 reflections"
    assert ratings_text({"choice": 3, "connection": 4}) == "4 - 3"
    # Keys the form no longer asks (an old file's "power") come after the three, by name.
    assert ratings_text({"power": 3, "connection": 4}) == "4 - - 3"
    assert ratings_text({"connection": 4, "direction": 2, "choice": 5, "power": 2, "old": 1}) == "4 2 5 1 2"
    assert ratings_text({}) == ""


def test_describe_says_what_a_filter_shows() -> None:
    import datetime as dt

    assert describe(Query()) == ""
    assert describe(Query(text=" grief ", tags=["ending"], since=dt.date(2026, 11, 1))) == (
        "“grief”, tag ending, 2026-11-01 to today")
