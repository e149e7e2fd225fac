"""One past reflection, read from its file: the session on a timeline, then the reflection as Markdown.

Opened from the review screen with the list of matches; keys move to the previous or next one. Dismisses with
the row id last shown, so the table can put its cursor there.
"""

from __future__ import annotations

from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Markdown, Static

from herenow.store.export import markdown_text
from herenow.store.records import SessionRecord, at_text
from herenow.store.reflections import RATING_NOTE, Reflection, parse_reflection, rating_label

MARKS = {"moment": "◆", "rupture": "▼", "repair": "▲", "here-and-now": "●"}
SHOWN, ACTED = "·", "✓"


class Timeline(Widget):
    """The session as a line: moments marked on it, and below it the cues shown and acted on."""

    DEFAULT_CSS = """
    Timeline { height: 3; }
    """

    def __init__(self, record: SessionRecord | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.record = record

    def show(self, record: SessionRecord | None) -> None:
        self.record = record
        self.refresh()

    def render(self) -> RenderResult:
        record = self.record
        if record is None:
            return ""
        times = [m.at for m in record.moments] + [c.at for c in record.cues_shown] + [a.at for a in record.acted_on]
        length = max([record.elapsed_seconds, 60, *times])
        end_label = at_text(length)
        width = max(self.size.width - len(end_label) - 11, 10)

        def place(at: int) -> int:
            return min(width - 1, max(0, round(at / length * (width - 1))))

        bar = ["─"] * width
        marks: dict[int, str] = {}
        for moment in sorted(record.moments, key=lambda m: m.at):
            marks[place(moment.at)] = MARKS.get(moment.kind, "◆")
        cues = [" "] * width
        acted = {(a.deck, a.id) for a in record.acted_on}
        for cue in record.cues_shown:
            spot = place(cue.at)
            if cues[spot] != ACTED:
                cues[spot] = ACTED if (cue.deck, cue.id) in acted else SHOWN
        for action in record.acted_on:  # acted on without being recorded as shown
            if all((c.deck, c.id) != (action.deck, action.id) for c in record.cues_shown):
                cues[place(action.at)] = ACTED

        line1 = [("moments ", "$foreground-muted"), ("├", "$foreground-muted")]
        for i, char in enumerate(bar):
            line1.append((marks[i], "bold $accent") if i in marks else (char, "$foreground-muted"))
        line1 += [("┤ ", "$foreground-muted"), (end_label, "$foreground-muted")]
        line2 = [("cues     ", "$foreground-muted")]
        line2 += [(c, "bold $accent" if c == ACTED else "$foreground") for c in cues]
        kinds = [k for k in MARKS if any(m.kind == k for m in record.moments)]
        legend = "  ".join(f"{MARKS[k]} {k}" for k in kinds)
        if record.cues_shown or record.acted_on:
            legend += ("  " if legend else "") + f"{SHOWN} cue shown  {ACTED} acted on"
        if not legend:
            legend = "no moments marked, no cues recorded"
        line3 = [("         " + legend, "$foreground-muted")]
        return Content("\n").join([Content.assemble(*line1), Content.assemble(*line2), Content.assemble(*line3)])


def facts_line(r: Reflection) -> str:
    record = r.session
    facts = [f"{record.length_minutes} min"]
    if record.decks:
        facts.append("decks: " + ", ".join(record.decks))
    if r.tags:
        facts.append("tags: " + ", ".join(r.tags))
    if r.supervision:
        facts.append("to take to supervision")
    if r.invited_feedback is not None:
        facts.append("invited the client's feedback: " + ("yes" if r.invited_feedback else "no"))
    if r.client_code:
        facts.append(f"client code: {r.client_code}")
    return " · ".join(facts)


def reflection_markdown(r: Reflection) -> str:
    """The written part, as Markdown: the answers and the note (one small document, quick to render)."""
    out: list[str] = []
    answered = [a for a in r.answers if a.text.strip()]
    for answer in answered:
        out += [f"**{markdown_text(answer.prompt)}**", "", markdown_text(answer.text), ""]
    if not answered:
        out += ["*No answers written.*", ""]
    if r.note.strip():
        out += ["**Note**", "", markdown_text(r.note), ""]
    if r.client_words.strip() or r.client_score is not None:
        out += ["**The client's own view**", ""]
        if r.client_score is not None:
            out += [f"Their score for the session: {r.client_score_text}", ""]
        if r.client_words.strip():
            out += [markdown_text(r.client_words), ""]
    return "\n".join(out)


def session_details(r: Reflection) -> Content:
    """Ratings, moments and cues: plain lines under the answers."""
    record = r.session
    parts: list[Content] = []

    def heading(text: str) -> None:
        if parts:
            parts.append(Content(""))
        parts.append(Content.styled(text, "bold $primary"))

    if r.ratings:
        heading(f"Ratings ({RATING_NOTE})")
        for key, value in r.ratings.items():
            parts.append(Content.assemble(f"  {rating_label(key)}: ", (f"{value}", "bold"), " of 5"))
    if record.moments:
        heading("Moments")
        for m in sorted(record.moments, key=lambda m: m.at):
            parts.append(Content.assemble(f"  {at_text(m.at)} ", (MARKS.get(m.kind, "◆"), "$accent"), f" {m.kind}"))
    if record.cues_shown or record.acted_on:
        heading("Cues")
        acted = {(a.deck, a.id): a for a in record.acted_on}
        seen = set()
        for cue in sorted(record.cues_shown, key=lambda c: c.at):
            action = acted.get((cue.deck, cue.id))
            seen.add((cue.deck, cue.id))
            mark = (f" {ACTED} ", "bold $accent") if action else (f" {SHOWN} ", "$foreground-muted")
            after = (f"  acted on at {at_text(action.at)}", "$foreground-muted") if action else ""
            parts.append(Content.assemble(f"  {at_text(cue.at)}", mark, cue.text, after))
        for key, action in acted.items():
            if key not in seen:
                parts.append(Content.assemble(f"  {at_text(action.at)}", (f" {ACTED} ", "bold $accent"),
                                              action.text, ("  acted on", "$foreground-muted")))
    return Content("\n").join(parts)


class ReflectionViewScreen(Screen[int | None]):
    DEFAULT_CSS = """
    ReflectionViewScreen { layout: vertical; }
    #view-title { height: 1; padding: 0 1; }
    #view-timeline { margin: 1 1 0 1; }
    #view-body { height: 1fr; padding: 0 1; }
    #view-facts { color: $foreground-muted; margin-top: 1; }
    #view-body Markdown { margin: 1 0 0 0; padding: 0; background: $background; }
    #view-details { margin-bottom: 1; }
    #view-status { height: auto; color: $foreground-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("left,p", "previous", "previous"),
        Binding("right,n", "next", "next"),
        Binding("escape,q", "back", "back"),
    ]

    def __init__(self, rids: list[int], position: int) -> None:
        super().__init__()
        self.rids = rids
        self.position = position
        self.reflection: Reflection | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="view-title")
        yield Timeline(id="view-timeline")
        with VerticalScroll(id="view-body"):
            yield Static("", id="view-facts", markup=False)
            yield Markdown("", id="view-markdown")
            yield Static("", id="view-details")
        yield Static("", id="view-status", markup=False)
        yield Footer()

    @property
    def index(self):
        return self.app.ctx.store.index()

    def on_mount(self) -> None:
        self.show(self.position)
        self.query_one("#view-body").focus()

    def show(self, position: int) -> None:
        self.position = position
        self.refresh_bindings()
        rid = self.rids[position]
        path = self.index.path_of(rid)
        status = self.query_one("#view-status", Static)
        reflection, problems = (None, []) if path is None else parse_reflection(path)
        self.reflection = reflection
        where = f"{position + 1:,} of {len(self.rids):,}"
        title = self.query_one("#view-title", Static)
        markdown = self.query_one("#view-markdown", Markdown)
        timeline = self.query_one(Timeline)
        if reflection is None:
            title.update(Content.assemble(("A reflection that could not be read", "bold $primary"),
                                          (f"  {where}", "$foreground-muted")))
            timeline.show(None)
            markdown.update("")
            self.query_one("#view-facts", Static).update("")
            self.query_one("#view-details", Static).update("")
            status.update(str(problems[0]) if problems else "This reflection is no longer in the store.")
            return
        status.update("")
        started = reflection.session.started
        title.update(Content.assemble((f"{started:%A %d %B %Y, %H:%M}", "bold $primary"),
                                      (f"  {where}", "$foreground-muted")))
        timeline.show(reflection.session)
        self.query_one("#view-facts", Static).update(facts_line(reflection))
        markdown.update(reflection_markdown(reflection))
        self.query_one("#view-details", Static).update(session_details(reflection))
        self.query_one("#view-body", VerticalScroll).scroll_home(animate=False)

    def action_previous(self) -> None:
        if self.position > 0:
            self.show(self.position - 1)

    def action_next(self) -> None:
        if self.position < len(self.rids) - 1:
            self.show(self.position + 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "previous":
            return self.position > 0 or None
        if action == "next":
            return self.position < len(self.rids) - 1 or None
        return True

    def action_back(self) -> None:
        self.dismiss(self.rids[self.position] if self.rids else None)
