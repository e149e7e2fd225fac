"""Trends for the reflections the review screen's filters match: pictures first, few words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from herenow import stats
from herenow.store.reflections import RATINGS, Query, rating_label

FLAGS_SHOWN = 3


def _mean(values) -> float:
    return sum(values) / len(values)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


class TrendsScreen(Screen[None]):
    DEFAULT_CSS = """
    TrendsScreen { layout: vertical; }
    #trends-title { height: 1; padding: 0 1; }
    #trends-body { height: 1fr; padding: 0 1; }
    .trend { height: 2; }
    #trend-moments { margin-top: 1; }
    #trends-title { margin-bottom: 1; }
    .trend-label { width: 24; color: $foreground; }
    TrendsScreen.wide .trend-label { width: 32; }
    TrendsScreen.wide #trends-axis .pad-left { width: 33; }
    .trend-line { width: 1fr; height: 2; margin: 0 1; }
    .trend-figure { width: 16; color: $foreground-muted; }
    #trends-axis { height: 1; }
    #trends-axis .pad-left { width: 25; }
    #trends-axis .pad-right { width: 17; }
    #trends-axis .first { width: 1fr; color: $foreground-muted; }
    #trends-axis .last { width: auto; color: $foreground-muted; }
    .trends-heading { margin-top: 1; text-style: bold; color: $primary; height: 1; }
    #trends-cues, #trends-flags { height: auto; }
    #trends-flags-note { color: $foreground-muted; height: auto; }
    #trends-empty { color: $foreground-muted; margin-top: 2; text-align: center; width: 100%; }
    #trends-note { color: $foreground-muted; margin-top: 1; height: auto; }
    """
    BINDINGS = [Binding("escape,q", "back", "back")]

    def __init__(self, query: Query | None = None, described: str = "") -> None:
        super().__init__()
        self.filter = query or Query()
        self.described = described
        self.result: stats.Trends | None = None

    @property
    def index(self):
        return self.app.ctx.store.index()

    def compose(self) -> ComposeResult:
        rows = self.index.rows(self.filter, order="date", descending=False)
        self.result = result = stats.compute(rows, rating_order=[k for k, _ in RATINGS])
        detail = ""
        if result.sessions:
            span = f"{result.first:%b %Y}" if f"{result.first:%b %Y}" == f"{result.last:%b %Y}" else (
                f"{result.first:%b %Y} to {result.last:%b %Y}")
            detail = f"  {result.sessions:,} session{'s' if result.sessions != 1 else ''} · {span}"
        if self.described:
            detail += f" · {self.described}"
        yield Static(Content.assemble(("Trends", "bold $primary"), (detail, "$foreground-muted")),
                     id="trends-title")
        with VerticalScroll(id="trends-body"):
            if not result.sessions:
                yield Static("No reflections match these filters, so there is nothing to draw yet.",
                             id="trends-empty")
            else:
                yield from self._lines(result)
        yield Footer()

    def _lines(self, result: stats.Trends) -> ComposeResult:
        for key, series in result.ratings.items():
            yield self._line(rating_label(key), series.values,
                             f"average {_fmt(series.mean)}\nrecent {_fmt(series.recent_mean())}", f"rating-{key}")
        if result.client_scores:
            yield self._line("The client's own score", [round(v * 100) for _, v in result.client_scores],
                             f"average {_pct(result.client_mean)}\nrecent {_pct(result.client_recent_mean())}",
                             "client-score")
        yield self._line("Moments marked per session", result.moments_per_session,
                         f"average {_fmt(result.mean_moments)}", "moments")
        weekly = [c for _, c in result.sessions_per_week]
        yield self._line("Sessions per week", weekly, f"average {_fmt(result.mean_per_week)}", "weeks")
        with Horizontal(id="trends-axis"):
            yield Static("", classes="pad-left")
            yield Static(f"{result.first:%d %b %Y}", classes="first")
            yield Static(f"{result.last:%d %b %Y}", classes="last")
            yield Static("", classes="pad-right")

        yield Static("Cues most often acted on", classes="trends-heading")
        yield Static(self._cues(result), id="trends-cues")

        if result.flags:
            yield Static("A quiet note", classes="trends-heading")
            yield Static("Sessions where one of your ratings sat well below your own recent average; "
                         "perhaps worth a look, or a word in supervision.", id="trends-flags-note")
            yield Static(self._flags(result), id="trends-flags")
        note = "Ratings are your own perception, 1 to 5; not a validated measure."
        if result.client_scores:
            note += (f" The client's own score ({len(result.client_scores):,} session"
                     f"{'s' if len(result.client_scores) != 1 else ''}) is shown as a share of the scale they used.")
        yield Static(note, id="trends-note")

    @staticmethod
    def _line(label: str, values: list, figure: str, key: str) -> Horizontal:
        return Horizontal(
            Static(label, classes="trend-label"),
            Sparkline(values or [0], summary_function=_mean, classes="trend-line", id=f"spark-{key}"),
            Static(figure, classes="trend-figure"),
            classes="trend", id=f"trend-{key}",
        )

    @staticmethod
    def _cues(result: stats.Trends) -> Content:
        if not result.top_acted_on:
            return Content.styled("No cues acted on in these sessions.", "$foreground-muted")
        most = result.top_acted_on[0][1]
        lines = []
        for text, count in result.top_acted_on:
            bar = "█" * max(1, round(count / most * 12))
            lines.append(Content.assemble((f"{bar:<12}", "$accent"), (f" {count:>5,}  ", "$foreground-muted"),
                                          text))
        return Content("\n").join(lines)

    @staticmethod
    def _flags(result: stats.Trends) -> Content:
        labels = {k: k for k, _ in RATINGS} | {"power": "power (earlier question)"}
        lines = []
        for flag in result.flags[:FLAGS_SHOWN]:
            lines.append(Content.assemble(
                (f"{flag.started:%a %d %b %Y, %H:%M}  ", "$foreground"),
                f"{labels.get(flag.rating, flag.rating)} {flag.value}",
                (f" (your recent average {flag.recent_mean:.1f})", "$foreground-muted")))
        more = len(result.flags) - FLAGS_SHOWN
        if more > 0:
            lines.append(Content.styled(f"and {more:,} earlier", "$foreground-muted"))
        return Content("\n").join(lines)

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 100, "wide")

    def action_back(self) -> None:
        self.app.pop_screen()
