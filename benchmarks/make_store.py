"""Write a realistic synthetic store of reflections: N reflections over N/1000 years, varied text and tags.

Every file goes through the real model (``Reflection`` / ``SessionRecord``), the real serialiser
(``reflection_to_toml``) and the real layout (``ReflectionStore.path_for``), mode 0600. To stay fast it writes
each file directly instead of the app's atomic write (no fsync per file): a throwaway store does not need it.

    HERENOW_HOME=/tmp/hn-bench python benchmarks/make_store.py 10000
    python benchmarks/make_store.py 1000 --home /tmp/hn-1k --seed 7

Also used by the benchmark and the tests (``make_store(n, root, seed=...)``). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from pathlib import Path

from herenow.store.records import ActedOn, Moment, Pause, SessionRecord, ShownCue
from herenow.store.reflections import DEFAULT_PROMPTS, Answer, Reflection, ReflectionStore, reflection_to_toml

END = dt.datetime(2026, 11, 13, 18, 0, tzinfo=dt.timezone.utc)

DECKS: dict[str, list[tuple[str, str]]] = {
    "here-and-now": [("hn-01", "What is happening between us right now?"),
                     ("hn-02", "Where is my attention right now?"),
                     ("hn-03", "Can I name what I notice, gently?"),
                     ("hn-04", "What just shifted in the room?")],
    "rupture-repair": [("rr-01", "Did something just go wrong between us?"),
                       ("rr-02", "Can I own my part in that?"),
                       ("rr-03", "Is there room to talk about what just happened?")],
    "collaboration": [("co-01", "What would we like to work on today?"),
                      ("co-02", "Do we share a sense of where we are heading?"),
                      ("co-03", "Does this way of working make sense to both of us?"),
                      ("co-04", "How is this going for you so far?")],
    "power": [("po-01", "Who is deciding what happens next?"),
              ("po-02", "Am I explaining more than listening?")],
    "frame": [("fr-01", "Ten minutes left: is there something we should leave room for?"),
              ("fr-02", "How do we want to close today?")],
    "recognition": [("re-01", "What did the client just offer me?"),
                    ("re-02", "Have I acknowledged what this took?")],
}

TAGS = ["grief", "anxiety", "couples", "supervision", "first-session", "ending", "anger", "shame", "family",
        "work-stress", "trauma", "sleep", "boundaries", "silence", "humour", "lateness", "money", "body",
        "dreams", "parenting", "loss", "identity", "rupture", "repair", "progress", "stuck", "online", "review"]

OPENINGS = ["We started late", "The client arrived quiet", "Today felt different from the start",
            "There was a long silence early on", "We picked up from last week", "The session began with a joke",
            "They came in talking about work", "It took a while to settle", "We began with the homework",
            "The first minutes were tense"]
MIDDLES = ["and I noticed I was rushing to fill the gaps", "and something opened up when we talked about {topic}",
           "and I felt pulled to reassure rather than stay with it", "and we found a shared way of naming {topic}",
           "and I lost the thread for a while around {topic}", "and the mood shifted when {topic} came up",
           "and I said something too quickly about {topic}", "and there was real warmth for a moment",
           "and I wondered whether I was working harder than they were", "and we laughed, which helped"]
MEANINGS = ["I think my part was wanting to be helpful too soon.", "It reminded me of my own {topic}.",
            "Perhaps the silence was doing some work.", "I may have been too careful, holding back.",
            "The alliance feels steadier than a month ago.", "I was more directive than I meant to be.",
            "Naming the rupture seemed to bring us closer.", "I noticed tiredness in myself by the end.",
            "It felt like we were finally on the same page.", "I am not sure we agree on the goal yet."]
NEXTS = ["Next time, ask how the last session landed.", "Leave more room at the start.",
         "Bring {topic} to supervision.", "Check whether the pace suits them.", "Ask for feedback before the end.",
         "Notice when I start explaining.", "Slow down around {topic}.", "Name what I notice, gently.",
         "Agree the focus together in the first minutes.", "Stay with the silence a little longer."]
TOPICS = ["grief", "the father", "the new job", "the move", "sleep", "the breakup", "money", "the sister",
          "the diagnosis", "school", "the holidays", "the anniversary", "anger", "the body", "the ending",
          "the waiting list", "the weekend", "the children", "the argument", "the promotion"]
NOTES = ["", "", "", "Shorter than planned.", "Online session; the connection dropped once.",
         "Room was cold.", "Consider a review session soon.", "Check the notes from March.",
         "They brought a letter to read.", "Talked about ending in a few weeks."]


def _sentence(rng: random.Random, parts: list[str]) -> str:
    return rng.choice(parts).format(topic=rng.choice(TOPICS))


def _answers(rng: random.Random) -> list[Answer]:
    first = f"{rng.choice(OPENINGS)}, {_sentence(rng, MIDDLES)}."
    if rng.random() < 0.6:
        first += f" {rng.choice(OPENINGS)}, {_sentence(rng, MIDDLES)}."
    second = " ".join(_sentence(rng, MEANINGS) for _ in range(rng.randint(1, 3)))
    third = " ".join(_sentence(rng, NEXTS) for _ in range(rng.randint(1, 2)))
    texts = [first, second, third]
    if rng.random() < 0.08:
        texts[rng.randrange(3)] = ""  # some prompts are skipped
    return [Answer(prompt=p, text=t) for p, t in zip(DEFAULT_PROMPTS, texts)]


def _session_times(n: int, rng: random.Random) -> list[dt.datetime]:
    """``n`` session starts on working days, on the hour, spread over n/1000 years ending at END."""
    days = max(1, round(365 * n / 1000))
    start_day = (END - dt.timedelta(days=days)).date()
    workdays = [start_day + dt.timedelta(days=i) for i in range(days + 1)]
    workdays = [d for d in workdays if d.weekday() < 5] or [END.date()]
    times: set[dt.datetime] = set()
    while len(times) < n:
        day = rng.choice(workdays)
        hour = rng.choice((9, 10, 11, 13, 14, 15, 16, 17))
        minute = rng.choice((0, 0, 0, 10, 30))
        times.add(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone.utc))
    return sorted(times)


def build_reflection(started: dt.datetime, rng: random.Random, *, mood: float = 0.0) -> Reflection:
    planned = rng.choice((50, 50, 50, 45, 60, 90))
    elapsed = int(planned * 60 + rng.randint(-240, 180))
    decks = rng.sample(sorted(DECKS), k=rng.choice((1, 1, 2, 2, 3)))
    pool = [(d, cid, text) for d in decks for cid, text in DECKS[d]]
    shown_n = min(len(pool), rng.randint(2, 8))
    shown_at = sorted(rng.sample(range(60, elapsed - 60), k=shown_n))
    shown = [ShownCue(deck=d, id=cid, text=text, at=at)
             for (d, cid, text), at in zip(rng.sample(pool, k=shown_n), shown_at)]
    acted = [ActedOn(deck=c.deck, id=c.id, text=c.text, at=c.at + rng.randint(5, 50))
             for c in shown if rng.random() < 0.35]
    moments = [Moment(kind=rng.choice(("moment", "moment", "moment", "rupture", "repair", "here-and-now")),
                      at=at) for at in sorted(rng.sample(range(30, elapsed), k=rng.choice((0, 1, 1, 2, 3, 4))))]
    pauses = [Pause(at=rng.randint(60, elapsed - 60), seconds=rng.randint(20, 200))] if rng.random() < 0.1 else []
    record = SessionRecord(
        id=f"{started:%Y-%m-%d-%H%M}-{rng.getrandbits(16):04x}",
        started=started, ended=started + dt.timedelta(seconds=elapsed), planned_minutes=planned,
        elapsed_seconds=elapsed, decks=decks, cues_shown=shown, acted_on=acted, moments=moments, pauses=pauses)

    def rate(bias: float) -> int:
        return max(1, min(5, round(rng.gauss(3.6 + bias + mood, 0.8))))

    ratings = {"connection": rate(0.2), "direction": rate(0.0), "power": rate(-0.1)}
    if rng.random() < 0.1:
        ratings.pop(rng.choice(sorted(ratings)))
    created = (record.ended or started) + dt.timedelta(minutes=rng.randint(1, 9))
    return Reflection(
        id=record.id, created=created, updated=created, session=record, answers=_answers(rng), ratings=ratings,
        supervision=rng.random() < 0.12, invited_feedback=rng.choice((True, False, None)),
        tags=rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 2, 3))), note=rng.choice(NOTES))


def make_store(n: int, root: Path, *, seed: int = 1) -> ReflectionStore:
    """Write ``n`` reflections into the reflections folder ``root``. Returns the store."""
    rng = random.Random(seed)
    store = ReflectionStore(root)
    made: set[Path] = set()
    mood = 0.0
    for started in _session_times(n, rng):
        mood = 0.9 * mood + rng.gauss(0, 0.15)  # slow drift, so trends have something to show
        reflection = build_reflection(started, rng, mood=mood)
        path = store.path_for(reflection)
        folder = path.parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            made.add(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(reflection_to_toml(reflection))
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many reflections")
    parser.add_argument("--home", help="HERENOW_HOME to write into (default: $HERENOW_HOME)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    home = args.home or os.environ.get("HERENOW_HOME")
    if not home:
        print("make_store: set HERENOW_HOME or pass --home (it never writes into your real store)", file=sys.stderr)
        return 2
    root = Path(home).expanduser() / "reflections"
    make_store(args.n, root, seed=args.seed)
    print(f"{args.n} reflections written under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
