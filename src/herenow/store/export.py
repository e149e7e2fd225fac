"""Export reflections as Markdown (shaped for taking to supervision), JSON or CSV. Plain Python, no Textual.

Client codes are left out unless asked for. Every format says, in its own way, that the file is not encrypted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from herenow.store.records import SessionRecord, at_text
from herenow.store.reflections import (LEGACY_RATINGS, RATING_NOTE, RATINGS, SCHEMA_VERSION, Reflection,
                                       rating_label)

if TYPE_CHECKING:  # pragma: no cover
    from herenow.store.index import ReflectionIndex
    from herenow.store.reflections import Query

FORMATS = ("md", "json", "csv")
NOT_ENCRYPTED = ("This file is not encrypted. It holds your own reflections: keep it somewhere private, "
                 "and delete it when you no longer need it.")
SEALED_NOTE = ("This file was sent to you sealed (age format); now that it is open it is plain text. It holds a "
               "colleague's reflections: keep it somewhere private, and delete it when you no longer need it.")
MAX_PROMPTS = 5


def when(record: SessionRecord) -> str:
    return f"{record.started:%a %d %b %Y, %H:%M}"


def length_text(record: SessionRecord) -> str:
    return f"{record.length_minutes} min"


def moments_text(record: SessionRecord, sep: str = ", ") -> str:
    return sep.join(f"{at_text(m.at)} {m.kind}" for m in sorted(record.moments, key=lambda m: m.at))


def _yes_no(value: bool | None) -> str:
    return "not noted" if value is None else ("yes" if value else "no")


_NUMBERED = re.compile(r"^(\s*\d{1,9})([.)])")


def markdown_text(text: str) -> str:
    """User text inside Markdown: the words exactly as written, never turned into a heading, a rule, a quote or a
    list. A line's first character is backslash-escaped when Markdown would read it as syntax ("# ", "---", "> ",
    "- ", "+ ", "=" under a line); a numbered line escapes the dot ("1\\. "): a backslash before a digit is not an
    escape in Markdown and would be shown."""
    lines = []
    for line in text.strip().splitlines():
        stripped = line.lstrip()
        if stripped[:1] in ("#", "-", "=", "*", "_", ">", "+"):
            line = line.replace(stripped[0], "\\" + stripped[0], 1)
        else:
            line = _NUMBERED.sub(r"\1\\\2", line, count=1)
        lines.append(line)
    return "\n".join(lines)


def markdown_section(r: Reflection, *, include_client_code: bool = False, level: int = 2) -> str:
    """One session: facts, moments, answers, the therapist's own ratings, note."""
    record = r.session
    h = "#" * level
    out = [f"{h} {when(record)} ({length_text(record)})", ""]
    facts = [f"- Decks: {', '.join(record.decks) if record.decks else 'none'}",
             f"- Cues shown: {len(record.cues_shown)}; acted on: {len(record.acted_on)}"]
    if r.supervision:
        facts.append("- To take to supervision: yes")
    facts.append(f"- Invited the client's feedback: {_yes_no(r.invited_feedback)}")
    if r.tags:
        facts.append(f"- Tags: {', '.join(r.tags)}")
    if include_client_code and r.client_code:
        facts.append(f"- Client code: {r.client_code}")
    out += facts + [""]
    if record.moments:
        out += [f"{h}# Moments", ""]
        out += [f"- {at_text(m.at)} {m.kind}" for m in sorted(record.moments, key=lambda m: m.at)] + [""]
    if record.acted_on:
        out += [f"{h}# Cues acted on", ""]
        out += [f"- {at_text(c.at)} {c.text}" for c in record.acted_on] + [""]
    answered = [a for a in r.answers if a.text.strip()]
    if answered:
        out += [f"{h}# Reflection", ""]
        for answer in answered:
            out += [f"**{answer.prompt}**", "", markdown_text(answer.text), ""]
    if r.ratings:
        out += [f"{h}# Ratings ({RATING_NOTE})", ""]
        for key, value in r.ratings.items():
            out.append(f"- {rating_label(key)}: {value} of 5")
        out.append("")
    if r.client_words.strip() or r.client_score is not None:
        out += [f"{h}# The client's own view", ""]
        if r.client_score is not None:
            out += [f"- Their score for the session: {r.client_score_text}", ""]
        if r.client_words.strip():
            out += [markdown_text(r.client_words), ""]
    if r.note.strip():
        out += [f"{h}# Note", "", markdown_text(r.note), ""]
    if not r.has_content:
        out += ["No reflection written for this session.", ""]
    return "\n".join(out)


def to_markdown(reflections: list[Reflection], *, include_client_codes: bool = False) -> str:
    count = len(reflections)
    out = [NOT_ENCRYPTED, "", "# Reflections", ""]
    if not count:
        out += ["No reflections to export.", ""]
    else:
        first = min(r.date for r in reflections)
        last = max(r.date for r in reflections)
        span = f"{first:%d %b %Y}" if first.date() == last.date() else f"{first:%d %b %Y} to {last:%d %b %Y}"
        out += [f"{count} session{'s' if count != 1 else ''}, {span}. Ratings are my own perception of each "
                "session, not a validated measure.", ""]
    for r in sorted(reflections, key=lambda r: r.date):
        out.append(markdown_section(r, include_client_code=include_client_codes))
    return "\n".join(out).rstrip("\n") + "\n"


def _plain(r: Reflection, include_client_code: bool) -> dict:
    data = r.model_dump(mode="json")
    if not include_client_code:
        data.pop("client_code", None)
    return data


def to_json(reflections: list[Reflection], *, include_client_codes: bool = False) -> str:
    doc = {
        "note": NOT_ENCRYPTED,
        "schema_version": SCHEMA_VERSION,
        "ratings_note": RATING_NOTE,
        "reflections": [_plain(r, include_client_codes) for r in sorted(reflections, key=lambda r: r.date)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def csv_columns(include_client_codes: bool = False) -> list[str]:
    columns = ["id", "started", "length_minutes", "planned_minutes", "decks", "cues_shown", "cues_acted_on",
               "moments", "supervision", "invited_feedback"]
    columns += [f"rating_{key}" for key, _label in RATINGS]
    columns += [f"rating_{key}_earlier_question" for key in LEGACY_RATINGS]
    columns += ["client_score", "client_scale_max", "client_words"]
    columns += ["tags", "note"]
    if include_client_codes:
        columns.append("client_code")
    for n in range(1, MAX_PROMPTS + 1):
        columns += [f"prompt_{n}", f"answer_{n}"]
    return columns


def to_csv(reflections: list[Reflection], *, include_client_codes: bool = False) -> str:
    """One row per session. Spreadsheets have no place for a note, so the header is the first row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n line ends: any \r or \n inside a field gets quoted
    writer.writerow(csv_columns(include_client_codes))
    for r in sorted(reflections, key=lambda r: r.date):
        writer.writerow(_csv_row(r, include_client_codes))
    return buffer.getvalue()


def _csv_row(r: Reflection, include_client_codes: bool) -> list[object]:
    record = r.session
    row: list[object] = [
        r.id, record.started.isoformat(), record.length_minutes, record.planned_minutes,
        "; ".join(record.decks), len(record.cues_shown), len(record.acted_on), moments_text(record, "; "),
        "yes" if r.supervision else "no", "" if r.invited_feedback is None else _yes_no(r.invited_feedback),
    ]
    row += [r.ratings.get(key, "") for key, _label in RATINGS]
    row += [r.ratings.get(key, "") for key in LEGACY_RATINGS]
    row += ["" if r.client_score is None else f"{r.client_score:g}",
            "" if r.client_scale_max is None else f"{r.client_scale_max:g}", r.client_words]
    row += ["; ".join(r.tags), r.note]
    if include_client_codes:
        row.append(r.client_code)
    answers = r.answers[:MAX_PROMPTS]
    for n in range(MAX_PROMPTS):
        row += [answers[n].prompt, answers[n].text] if n < len(answers) else ["", ""]
    return row


# ---------------------------------------------------------------------------- streaming
# The same bytes as the functions above, written as the reflections come (oldest first) instead of built in memory:
# an export of 100,000 reflections holds one reflection at a time. What the header needs (how many, from when to
# when) is asked of the index first.


def stream_export(out: TextIO, reflections: Iterable[Reflection], fmt: str, *, count: int,
                  first: dt.datetime | None, last: dt.datetime | None, include_client_codes: bool = False) -> int:
    """Write ``reflections`` (oldest first) to ``out`` in ``fmt``; the number written."""
    if fmt == "md":
        return _stream_markdown(out, reflections, count, first, last, include_client_codes)
    if fmt == "json":
        return _stream_json(out, reflections, include_client_codes)
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(csv_columns(include_client_codes))
        written = 0
        for r in reflections:
            writer.writerow(_csv_row(r, include_client_codes))
            written += 1
        return written
    raise ValueError(f"{fmt!r} is not an export format ({', '.join(FORMATS)})")


def _stream_markdown(out: TextIO, reflections: Iterable[Reflection], count: int, first: dt.datetime | None,
                     last: dt.datetime | None, include_client_codes: bool) -> int:
    head = [NOT_ENCRYPTED, "", "# Reflections", ""]
    if not count or first is None or last is None:
        head += ["No reflections to export.", ""]
    else:
        span = f"{first:%d %b %Y}" if first.date() == last.date() else f"{first:%d %b %Y} to {last:%d %b %Y}"
        head += [f"{count} session{'s' if count != 1 else ''}, {span}. Ratings are my own perception of each "
                 "session, not a validated measure.", ""]
    pending = "\n".join(head)  # written once the next piece is known, so that the last one can be trimmed
    written = 0
    for r in reflections:
        out.write(pending + "\n")
        pending = markdown_section(r, include_client_code=include_client_codes)
        written += 1
    out.write(pending.rstrip("\n") + "\n")
    return written


def _stream_json(out: TextIO, reflections: Iterable[Reflection], include_client_codes: bool) -> int:
    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2)

    out.write(f'{{\n  "note": {dumps(NOT_ENCRYPTED)},\n  "schema_version": {dumps(SCHEMA_VERSION)},\n'
              f'  "ratings_note": {dumps(RATING_NOTE)},\n  "reflections": ')
    written = 0
    for r in reflections:
        out.write("[\n" if not written else ",\n")
        out.write("\n".join("    " + line for line in dumps(_plain(r, include_client_codes)).split("\n")))
        written += 1
    out.write("\n  ]\n}\n" if written else "[]\n}\n")
    return written


def export_from_index(index: ReflectionIndex, query: Query | None, out: TextIO, fmt: str = "md", *,
                      include_client_codes: bool = False) -> int:
    """Export what ``query`` matches straight from the index and the files, streaming; the number written."""
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not an export format ({', '.join(FORMATS)})")
    count, first, last = index.span(query)
    return stream_export(out, index.iter_reflections(query, oldest_first=True), fmt, count=count, first=first,
                         last=last, include_client_codes=include_client_codes)


def write_export_from_index(index: ReflectionIndex, query: Query | None, target: Path, fmt: str = "md", *,
                            include_client_codes: bool = False) -> int:
    """``write_export`` streaming from the index: atomic (mode 0600), memory flat however many there are."""
    from herenow.store.files import atomic_writer
    from herenow.store.paths import ensure_dir, locations

    if target.parent == locations().export_dir:
        ensure_dir(target.parent)
    with atomic_writer(target) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False)
        try:
            count = export_from_index(index, query, text, fmt, include_client_codes=include_client_codes)
            text.flush()
        finally:
            text.detach()
    return count


def export(reflections: Iterable[Reflection], fmt: str, *, include_client_codes: bool = False) -> str:
    items = list(reflections)
    if fmt == "md":
        return to_markdown(items, include_client_codes=include_client_codes)
    if fmt == "json":
        return to_json(items, include_client_codes=include_client_codes)
    if fmt == "csv":
        return to_csv(items, include_client_codes=include_client_codes)
    raise ValueError(f"{fmt!r} is not an export format ({', '.join(FORMATS)})")


def default_export_path(today: dt.date, fmt: str = "md") -> Path:
    """In the exports folder: inside HERENOW_HOME in portable mode (nothing lands off the stick), else home."""
    from herenow.store.paths import locations

    return locations().export_dir / f"herenow-reflections-{today:%Y-%m-%d}.{fmt}"


def write_export(reflections: Iterable[Reflection], target: Path, fmt: str = "md", *,
                 include_client_codes: bool = False, recipient=None) -> int:
    """Write the export to ``target`` atomically (mode 0600); the number of reflections written. Raises OSError
    with any old file untouched. The exports folder is made (0700) if the target is in it and it is not there.

    ``recipient`` (a supervisor's ``age1...`` key, parsed by ``sealing.parse_recipient``): the file is sealed to it
    (age format; the temporary file holds only ciphertext); only that key's identity opens it."""
    from herenow.store.files import atomic_write
    from herenow.store.paths import ensure_dir, locations

    items = list(reflections)
    text = export(items, fmt, include_client_codes=include_client_codes)
    if recipient is not None:
        from herenow.store.sealing import seal

        text = seal(text.replace(NOT_ENCRYPTED, SEALED_NOTE, 1).encode("utf-8"), recipient)
    if target.parent == locations().export_dir:
        ensure_dir(target.parent)  # the suggested folder may not be there yet (a new stick)
    atomic_write(target, text)
    return len(items)
