"""Write a realistic synthetic store of reflections: N reflections over N/1000 years, text of realistic length.

    HERENOW_HOME=/tmp/hn-bench python benchmarks/make_store.py 10000
    python benchmarks/make_store.py 100000 --home /tmp/hn-100k --seed 7
    python benchmarks/make_store.py 200 --home /tmp/hn-check --check    # also parse every file with the real model

What is in it (deterministic for a given seed):

- answers to the three default prompts: a fifth of them 200-800 words, the rest 20-120 words, about 8 % skipped;
  sentences of words drawn from a few hundred common words (Zipf-like frequencies, so a few words are everywhere
  and most are not) with a sprinkling of rarer words;
- two marker words with exact counts, for searches: ``RARE`` ("lithium") in 0.1 % of the reflections (at least
  one) and ``COMMON`` ("mother") in exactly half; no other word of the vocabulary contains either as a substring,
  so a substring search finds exactly those reflections (``expected_matches``);
- 0-3 tags out of 28, 1-3 decks, cues shown and acted on, moments, pauses, three ratings with a slow drift,
  sometimes a missing rating, a note in four reflections out of ten.

Files are written straight from a text template in the shape the store writes (``reflection_to_toml``: the same
keys, tables and layout ``reflections/YYYY/MM/<id>.toml``, mode 0600), without building pydantic models, so that
100,000 take well under a minute. ``--check`` parses every file back through the real model (``parse_reflection``)
to prove the template still matches it. It refuses to run without ``--home`` or ``HERENOW_HOME``.

``make_store(n, root, seed=...)`` is also what ``bench_scale.py`` and ``bench_review.py`` call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import sys
import time
from pathlib import Path

END = dt.datetime(2026, 11, 13, 18, 0, tzinfo=dt.timezone.utc)

RARE = "lithium"  # in 0.1 % of the reflections
COMMON = "mother"  # in exactly half of them
RARE_SHARE = 0.001
COMMON_SHARE = 0.5

DEFAULT_PROMPTS = (  # the same as herenow.store.reflections.DEFAULT_PROMPTS (checked by --check)
    "What happened between us today that stays with me?",
    "What did it mean, and what was my part in it?",
    "What would I like to carry into the next session?",
)

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

NOTES = ["Shorter than planned.", "Online session; the connection dropped once.", "Room was cold.",
         "Consider a review session soon.", "Check the notes from March.", "They brought a letter to read.",
         "Talked about ending in a few weeks.", "Started ten minutes late.", "Invoice sent.",
         "Asked to move to fortnightly sessions."]

# Common words, most frequent first (weights fall off as 1/rank).
COMMON_WORDS = """
the i and to a of it was that in we they about what my me felt feel not but so for with this is were
on at there when as had be how like something more their them seemed just about said did then time
session again because what some very could would which into one still after before all can do now
think also been much way room over back first last week little about again felt where both own
talked really towards noticed quiet long each other together moment part thing things sense again
client between us our today here right know wanted want need needed asked told say tell seen saw
looked left came come went going go made make took take gave give kept keep stayed stay held hold
father sister brother partner children child friend friends family work job home house school money
body sleep dream anger sad sadness fear afraid worry worried anxious anxiety shame guilt grief loss
hope hopeful tired angry calm tense warm cold close distant open closed careful slow quick gentle
hard easy heavy light safe unsafe stuck moving change changed changing different same new old young
early late soon later never always often sometimes again already almost enough too quite rather
perhaps maybe probably certainly really clearly slowly quickly gently carefully silence silent voice
words word story stories memory memories question questions answer answers reply tone face eyes
hands tears laughed laughing cried crying smiled smiling paused pause looked away toward end start
began beginning ending middle half hour minutes weeks months year years day days night morning
evening weekend holiday holidays birthday anniversary funeral wedding move moved moving away
relationship relationships connection direction power alliance rupture repair trust respect
attention listening listened listen understood understand understanding explain explained
reassure reassured reassurance rushed rushing fill gaps pull pulled push pushed hold holding
notice noticing named naming name offered offer acknowledged acknowledge supervision supervisor
homework goal goals plan plans focus agreed agree disagree pace slower faster room space door
chair window phone screen connection dropped online camera late early cancelled missed
""".split()

RARE_WORDS = """
ambivalence transference countertransference enactment mentalising attunement dysregulation
rumination catastrophising avoidance hypervigilance dissociation somatic interoception
scaffolding containment holding-environment bereavement estrangement reconciliation
chrysanthemum allotment harmonica lighthouse marmalade origami sourdough tarot violin
narrowboat crossword cathedral badminton radiotherapy redundancy tribunal mortgage
probation adoption miscarriage insomnia migraine tinnitus fibromyalgia sertraline
""".split()


def _vocabulary() -> tuple[list[str], list[float]]:
    words: list[str] = []
    for word in COMMON_WORDS + RARE_WORDS:
        if word not in words:
            words.append(word)
    for word in words:
        assert RARE not in word and COMMON not in word, word
    weights = [1 / (rank + 1) for rank in range(len(COMMON_WORDS))]
    weights = weights[: len([w for w in words if w in COMMON_WORDS])]
    weights += [0.0015] * (len(words) - len(weights))
    return words, list(itertools.accumulate(weights))


WORDS, CUM_WEIGHTS = _vocabulary()


class Sentences:
    """A pool of random sentences (5-18 words each), drawn once; answers are runs of consecutive sentences from a
    random place in the pool. Much faster than drawing every word, and still no two answers alike."""

    def __init__(self, rng: random.Random, size: int) -> None:
        drawn = rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=size * 12)
        self.sentences: list[str] = []
        self.words: list[int] = []
        i = 0
        while len(self.sentences) < size:
            count = rng.randint(5, 18)
            chunk = drawn[i : i + count] if i + count <= len(drawn) else rng.choices(WORDS, CUM_WEIGHTS, k=count)
            i += count
            self.sentences.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
            self.words.append(count)

    def text(self, rng: random.Random, words: int) -> str:
        at = rng.randrange(len(self.sentences))
        out: list[str] = []
        total = 0
        while total < words:
            out.append(self.sentences[at])
            total += self.words[at]
            at = (at + 1) % len(self.sentences)
        return " ".join(out)


def _answer_length(rng: random.Random) -> int:
    return rng.randint(200, 800) if rng.random() < 0.2 else rng.randint(20, 120)


def _session_times(n: int, rng: random.Random) -> list[dt.datetime]:
    """``n`` session starts on working days, spread over n/1000 years ending at END."""
    days = max(1, round(365 * n / 1000))
    start_day = (END - dt.timedelta(days=days)).date()
    workdays = [start_day + dt.timedelta(days=i) for i in range(days + 1)]
    workdays = [d for d in workdays if d.weekday() < 5] or [END.date()]
    times: set[dt.datetime] = set()
    while len(times) < n:
        day = rng.choice(workdays)
        hour = rng.choice((8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
        minute = rng.choice((0, 0, 0, 10, 15, 30, 40, 45, 50))
        times.add(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone.utc))
    return sorted(times)


def _s(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _when(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ")


def _list(values: list[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_s(v)},\n" for v in values) + "]"


def reflection_toml(started: dt.datetime, rng: random.Random, pool: Sentences, *, mood: float,
                    markers: list[str]) -> tuple[str, str]:
    """(id, TOML text) of one reflection on the session that started at ``started``."""
    rid = f"{started:%Y-%m-%d-%H%M}-{rng.getrandbits(16):04x}"
    planned = rng.choice((50, 50, 50, 45, 60, 90))
    elapsed = int(planned * 60 + rng.randint(-240, 180))
    ended = started + dt.timedelta(seconds=elapsed)
    created = ended + dt.timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))
    decks = rng.sample(sorted(DECKS), k=rng.choice((1, 1, 2, 2, 3)))
    cues = [(d, cid, text) for d in decks for cid, text in DECKS[d]]
    shown_n = min(len(cues), rng.randint(0, 8))
    shown_at = sorted(rng.sample(range(60, elapsed - 60), k=shown_n))
    shown = [(d, cid, text, at) for (d, cid, text), at in zip(rng.sample(cues, k=shown_n), shown_at)]
    acted = [(d, cid, text, at + rng.randint(5, 50)) for d, cid, text, at in shown if rng.random() < 0.35]
    moments = [(rng.choice(("moment", "moment", "moment", "rupture", "repair", "here-and-now")), at)
               for at in sorted(rng.sample(range(30, elapsed), k=rng.choice((0, 1, 1, 2, 3, 4))))]
    pauses = [(rng.randint(60, elapsed - 60), rng.randint(20, 200))] if rng.random() < 0.1 else []

    def rate(bias: float) -> int:
        return max(1, min(5, round(rng.gauss(3.6 + bias + mood, 0.8))))

    ratings = {"connection": rate(0.2), "direction": rate(0.0), "power": rate(-0.1)}
    if rng.random() < 0.1:
        ratings.pop(rng.choice(sorted(ratings)))
    tags = rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 2, 3)))
    note = rng.choice(NOTES) if rng.random() < 0.4 else ""
    invited = rng.choice((True, False, None))

    lengths = [_answer_length(rng) for _ in DEFAULT_PROMPTS]
    skipped = rng.randrange(3) if rng.random() < 0.08 else -1
    written = [i for i in range(3) if i != skipped]
    placed: dict[int, list[str]] = {}
    for marker in markers:  # each marker word in one of the written answers
        placed.setdefault(rng.choice(written), []).append(marker)
    answers = []
    for i, prompt in enumerate(DEFAULT_PROMPTS):
        if i == skipped:
            text = ""
        else:
            text = pool.text(rng, lengths[i])
            for marker in placed.get(i, []):
                text += f" {marker.capitalize() if rng.random() < 0.3 else marker} again."
        answers.append((prompt, text))

    out = [
        "schema_version = 1",
        f"id = {_s(rid)}",
        f"created = {_when(created)}",
        f"updated = {_when(created)}",
        f"supervision = {'true' if rng.random() < 0.12 else 'false'}",
    ]
    if invited is not None:
        out.append(f"invited_feedback = {'true' if invited else 'false'}")
    out += [f"tags = {_list(tags)}", f"note = {_s(note)}", 'client_code = ""', "", "[session]",
            "schema_version = 1", f"id = {_s(rid)}", f"started = {_when(started)}", f"ended = {_when(ended)}",
            f"planned_minutes = {float(planned)}", f"elapsed_seconds = {elapsed}", f"decks = {_list(decks)}"]
    if not shown:
        out.append("cues_shown = []")
    if not acted:
        out.append("acted_on = []")
    out.append("moments = [" + ("\n" + "".join(f'    {{ kind = "{k}", at = {at} }},\n' for k, at in moments)
                                if moments else "") + "]")
    out.append("pauses = [" + ("\n" + "".join(f"    {{ at = {at}, seconds = {s} }},\n" for at, s in pauses)
                               if pauses else "") + "]")
    for table, items in (("session.cues_shown", shown), ("session.acted_on", acted)):
        for d, cid, text, at in items:
            out += ["", f"[[{table}]]", f"deck = {_s(d)}", f"id = {_s(cid)}", f"text = {_s(text)}", f"at = {at}"]
    for prompt, text in answers:
        out += ["", "[[answers]]", f"prompt = {_s(prompt)}", f"text = {_s(text)}"]
    out += ["", "[ratings]"] + [f"{k} = {v}" for k, v in ratings.items()]
    return rid, "\n".join(out) + "\n"


def expected_matches(n: int) -> dict[str, int]:
    """How many reflections hold each marker word (case-insensitive substring), for a store of ``n``."""
    return {RARE: max(1, round(n * RARE_SHARE)), COMMON: round(n * COMMON_SHARE)}


def make_store(n: int, root: Path, *, seed: int = 1) -> dict:
    """Write ``n`` reflections into the reflections folder ``root``.

    Returns facts about what was written: files, bytes, seconds, the newest session's start and the marker counts.
    """
    start = time.perf_counter()
    rng = random.Random(seed)
    times = _session_times(n, rng)
    counts = expected_matches(n)
    rare = set(rng.sample(range(n), counts[RARE]))
    common = set(rng.sample(range(n), counts[COMMON]))
    pool = Sentences(rng, min(200_000, max(2_000, n * 20)))
    made: set[Path] = set()
    total = 0
    mood = 0.0
    for i, started in enumerate(times):
        mood = 0.9 * mood + rng.gauss(0, 0.15)  # slow drift, so trends have something to show
        markers = ([RARE] if i in rare else []) + ([COMMON] if i in common else [])
        rid, text = reflection_toml(started, rng, pool, mood=mood, markers=markers)
        folder = root / f"{started:%Y}" / f"{started:%m}"
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            made.add(folder)
        data = text.encode("utf-8")
        fd = os.open(folder / f"{rid}.toml", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        total += len(data)
    return {"files": n, "bytes": total, "seconds": time.perf_counter() - start, "newest": times[-1],
            "matches": counts}


def check(root: Path) -> tuple[int, dict[str, int]]:
    """Parse every file with the real model; count the marker words. Returns (bad files, marker counts)."""
    from herenow.store.reflections import DEFAULT_PROMPTS as REAL_PROMPTS
    from herenow.store.reflections import ReflectionStore, parse_reflection

    assert REAL_PROMPTS == DEFAULT_PROMPTS, "the default prompts changed: update make_store.DEFAULT_PROMPTS"
    bad = 0
    found = {RARE: 0, COMMON: 0}
    files = list(ReflectionStore(root).files())
    for path in files:
        reflection, problems = parse_reflection(path)
        if reflection is None or problems:
            bad += 1
            print(f"{path}: {problems}", file=sys.stderr)
            continue
        blob = reflection.text_blob().casefold()
        for word in found:
            found[word] += word in blob
    print(f"checked {len(files)} files with the real model: {bad} bad; marker words found {found}")
    return bad, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many reflections")
    parser.add_argument("--home", help="HERENOW_HOME to write into (default: $HERENOW_HOME)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="parse every file back with herenow's model")
    args = parser.parse_args(argv)
    home = args.home or os.environ.get("HERENOW_HOME")
    if not home:
        print("make_store: set HERENOW_HOME or pass --home (it never writes into your real store)", file=sys.stderr)
        return 2
    root = Path(home).expanduser() / "reflections"
    facts = make_store(args.n, root, seed=args.seed)
    secs = facts["seconds"]
    print(f"{args.n:,} reflections written under {root}: {facts['bytes'] / 1e6:.1f} MB in {secs:.1f} s "
          f"({args.n / secs:,.0f} files/s); {RARE!r} in {facts['matches'][RARE]:,}, "
          f"{COMMON!r} in {facts['matches'][COMMON]:,}")
    if args.check:
        bad, found = check(root)
        if found != facts["matches"]:
            print(f"marker words: expected {facts['matches']}, found {found}", file=sys.stderr)
            return 1
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
