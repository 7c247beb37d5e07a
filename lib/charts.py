"""Small server-side SVG charts: no JavaScript, no CDN, readable without colour.

Each builder returns one safe ``<figure>``: the SVG (``role="img"``, labelled by its own
``<title>`` and ``<desc>``), an HTML legend whose swatches carry the same fill patterns as the
bars, and a ``<details>`` table with every number the chart shows. All text is escaped through
``format_html``; callers pass plain strings.

Coordinates live in a fixed viewBox and the SVG scales to its container; the stylesheet enlarges
the text on narrow screens and hides every other category label (class ``tick-alt``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil, log10

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Style:
    """How a series is drawn: a colour *and* a pattern, so it is told apart in greyscale too."""

    color: str
    pattern: str  # "solid", "stripes", "dots", "crosshatch"


# Series styles in order; pass ``styles`` to pin a series to one (e.g. High is always red).
STYLES: tuple[Style, ...] = (
    Style("#a4161a", "solid"),
    Style("#b25e00", "stripes"),
    Style("#1f4fbf", "dots"),
    Style("#5b6474", "crosshatch"),
    Style("#11693a", "solid"),
)

Formatter = Callable[[float], str]
EMPTY = SafeString()


def _join(parts: Iterable[SafeString]) -> SafeString:
    """Concatenate fragments already built by format_html (they are not escaped again)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _compact(value: float) -> str:
    """Axis ticks stay narrow: 30000 → "30k"."""
    return f"{value / 1000:g}k" if value >= 10_000 else _number(value)


def _c(value: float) -> str:
    """A coordinate for an attribute: short, locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".") or "0"


def _nice_ceiling(value: float) -> tuple[float, float]:
    """(top of the axis, tick step) for a maximum ``value``: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0, 1.0
    rough = value / 4
    magnitude = 10 ** int(log10(rough)) if rough >= 1 else 10 ** (int(log10(rough)) - 1)
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if step >= rough:
            break
    if value >= 1:
        step = max(step, 1.0)
    return ceil(value / step) * step, step


def _pattern_def(pattern_id: str, style: Style) -> SafeString:
    if style.pattern == "stripes":
        body = format_html(
            '<rect width="6" height="6" fill="#fff"/>'
            '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{}" stroke-width="2.2"/>',
            style.color,
        )
    elif style.pattern == "dots":
        body = format_html(
            '<rect width="6" height="6" fill="{}" fill-opacity=".25"/>'
            '<circle cx="3" cy="3" r="1.7" fill="{}"/>',
            style.color,
            style.color,
        )
    elif style.pattern == "crosshatch":
        body = format_html(
            '<rect width="6" height="6" fill="#fff"/>'
            '<path d="M0,0 l6,6 M6,0 l-6,6" stroke="{}" stroke-width="1.2"/>',
            style.color,
        )
    else:
        return EMPTY
    return format_html(
        '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse">{}</pattern>',
        pattern_id,
        body,
    )


def _fill(pattern_id: str, style: Style) -> str:
    return style.color if style.pattern == "solid" else f"url(#{pattern_id})"


def _legend(chart_id: str, names: Sequence[str], styles: Sequence[Style]) -> SafeString:
    items = []
    for n, (name, style) in enumerate(zip(names, styles, strict=True)):
        pid = f"{chart_id}-lp{n}"
        items.append(
            format_html(
                '<li><svg class="swatch" viewBox="0 0 18 12" width="18" height="12" '
                'aria-hidden="true" focusable="false"><defs>{}</defs>'
                '<rect x=".5" y=".5" width="17" height="11" fill="{}" stroke="{}"/></svg>{}</li>',
                _pattern_def(pid, style),
                _fill(pid, style),
                style.color,
                name,
            )
        )
    return format_html('<ul class="chart-legend" aria-hidden="true">{}</ul>', _join(items))


def _table(
    caption: str, header: Sequence[str], rows: Sequence[Sequence[str]], *, summary: str
) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in header))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<th scope="row">{}</th>{}',
                    row[0],
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in row[1:])),
                ),
            )
            for row in rows
        ),
    )
    return format_html(
        '<details class="chart-data"><summary>{}</summary><div class="table-wrap">'
        "<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>"
        "</div></details>",
        summary,
        caption,
        head,
        body,
    )


def _figure(
    chart_id: str,
    *,
    title: str,
    description: str,
    width: int,
    height: int,
    defs: SafeString,
    body: SafeString,
    legend: SafeString,
    table: SafeString,
) -> SafeString:
    return format_html(
        '<figure class="{classes}" id="{id}">'
        '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'preserveAspectRatio="xMidYMid meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "<defs>{defs}</defs>{body}</svg>{legend}{table}</figure>",
        id=chart_id,
        # Wide charts shrink most on a phone; the stylesheet enlarges their text more.
        classes="chart chart-wide" if width > 560 else "chart",
        w=width,
        h=height,
        title=title,
        desc=description,
        defs=defs,
        body=body,
        legend=legend,
        table=table,
    )


def _y_axis(
    peak: float,
    *,
    top: float,
    plot_h: float,
    left: float,
    right: float,
    label: Callable[[float], str],
) -> tuple[Callable[[float], float], list[SafeString]]:
    """The value scale from 0 to a nice ceiling above ``peak``, and its grid lines with their
    values: (value -> y, the lines)."""
    y_max, step = _nice_ceiling(peak)

    def y(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    lines = []
    tick = 0.0
    while tick <= y_max + 1e-9:
        lines.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">'
                "{}</text>",
                left,
                right,
                _c(y(tick)),
                _c(y(tick)),
                left - 6,
                _c(y(tick)),
                label(tick),
            )
        )
        tick += step
    return y, lines


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    stacked: bool = False,
    category_label: str = "",
    value_format: Formatter = _number,
    tick_format: Formatter | None = None,
    description: str = "",
    styles: Sequence[Style] | None = None,
    width: int = 400,
    height: int = 240,
) -> SafeString:
    """Grouped (or ``stacked``) vertical bars: one group per category, one bar per series.

    Every bar has a tooltip; grouped bars carry their value as a text label, stacked bars their
    total. ``value_format`` turns a value into text (labels, table), e.g. hours → "1 d 4 h";
    ``tick_format`` writes the axis ticks (default: ``value_format``).
    ``chart_id`` must be unique on the page (it prefixes the ids of titles and patterns).
    """
    styles = list(styles or STYLES)
    styles = [styles[n % len(styles)] for n in range(len(series))]
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"Series {s.name!r} has {len(s.values)} values, not {len(categories)}")
    left, right, top, bottom = 44, 8, 18, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    if stacked:
        peak = max((sum(s.values[n] for s in series) for n in range(len(categories))), default=0)
    else:
        peak = max((v for s in series for v in s.values), default=0)
    y, parts = _y_axis(
        peak,
        top=top,
        plot_h=plot_h,
        left=left,
        right=width - right,
        label=(tick_format or (_compact if value_format is _number else value_format)),
    )
    group_w = plot_w / max(len(categories), 1)
    for n, category in enumerate(categories):
        x0 = left + n * group_w
        # On a phone every other category keeps its label (the table has them all).
        alt = bool(n % 2) and len(categories) > 6
        if stacked:
            bar_w = group_w * 0.62
            bx, base = x0 + (group_w - bar_w) / 2, 0.0
            for k, s in enumerate(series):
                value = s.values[n]
                if value:
                    parts.append(
                        _bar(
                            chart_id,
                            k,
                            styles[k],
                            bx,
                            y(base + value),
                            bar_w,
                            y(base) - y(base + value),
                            f"{s.name}, {category}: {value_format(value)}",
                        )
                    )
                base += value
            if base:
                parts.append(_value_label(bx + bar_w / 2, y(base) - 4, value_format(base), alt=alt))
        else:
            bar_w = group_w * 0.8 / max(len(series), 1)
            for k, s in enumerate(series):
                value = s.values[n]
                bx = x0 + group_w * 0.1 + k * bar_w
                if value:
                    parts.append(
                        _bar(
                            chart_id,
                            k,
                            styles[k],
                            bx,
                            y(value),
                            bar_w,
                            y(0) - y(value),
                            f"{s.name}, {category}: {value_format(value)}",
                        )
                    )
                    parts.append(
                        _value_label(bx + bar_w / 2, y(value) - 4, value_format(value), alt=alt)
                    )
        parts.append(
            format_html(
                '<text class="tick{}" x="{}" y="{}" text-anchor="middle">{}</text>',
                " tick-alt" if alt else "",
                _c(x0 + group_w / 2),
                height - 8,
                category,
            )
        )
    parts.append(
        format_html(
            '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            left,
            width - right,
            _c(y(0)),
            _c(y(0)),
        )
    )
    defs = _join((_pattern_def(f"{chart_id}-p{k}", style) for k, style in enumerate(styles)))
    header = [category_label or "Category", *(s.name for s in series)]
    if stacked:
        header.append("Total")
    rows = []
    for n, category in enumerate(categories):
        row = [category, *(value_format(s.values[n]) for s in series)]
        if stacked:
            row.append(value_format(sum(s.values[n] for s in series)))
        rows.append(row)
    if not description:
        kind = "Stacked bar chart" if stacked else "Bar chart"
        description = (
            f"{kind} of {', '.join(s.name for s in series)} for each of {len(categories)} "
            f"categories, from {categories[0] if categories else '-'} to "
            f"{categories[-1] if categories else '-'}. The numbers are in the table below."
        )
    return _figure(
        chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        defs=defs,
        body=_join(parts),
        legend=_legend(chart_id, [s.name for s in series], styles) if len(series) > 1 else EMPTY,
        table=_table(title, header, rows, summary="Show the numbers"),
    )


def _bar(
    chart_id: str, k: int, style: Style, x: float, y: float, w: float, h: float, tip: str
) -> SafeString:
    return format_html(
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}">'
        "<title>{}</title></rect>",
        _c(x),
        _c(y),
        _c(w),
        _c(max(h, 0.5)),
        _fill(f"{chart_id}-p{k}", style),
        style.color,
        tip,
    )


def _value_label(x: float, y: float, text: str, *, alt: bool = False) -> SafeString:
    return format_html(
        '<text class="value{}" x="{}" y="{}" text-anchor="middle">{}</text>',
        " tick-alt" if alt else "",
        _c(x),
        _c(y),
        text,
    )


# The widest a character of an axis label may be, in user units: 0.65 em of the 11 px ticks,
# and the gap kept between two labels.
TICK_CHAR_WIDTH = 7.2
TICK_GAP = 12


def _time_label_count(chars: int, plot_w: float) -> int:
    """How many time labels (5, 3 or 2, evenly spaced, the first and last flush with the plot's
    ends) fit under the plot without touching: "1 Dec 14:00" five times across a 480-wide
    chart overlapped. The first label reaches a whole label's width right of its anchor, the
    next one half a width left of its own."""
    width = chars * TICK_CHAR_WIDTH
    for count in (5, 3):
        spacing = plot_w / (count - 1)
        if spacing >= 1.5 * width + TICK_GAP:
            return count
    return 2


def _time_label(moment: datetime, span: timedelta) -> str:
    local = timezone.localtime(moment)
    return date_format(local, "j M H:i" if span < timedelta(days=3) else "j M")


def step_chart(
    points: Sequence[tuple[datetime, float]],
    *,
    title: str,
    chart_id: str,
    end: datetime | None = None,
    value_label: str = "Value",
    value_format: Formatter = _number,
    description: str = "",
    width: int = 480,
    height: int = 200,
) -> SafeString:
    """A value that holds until it changes (e.g. a check's failing count over time).

    ``points`` are the changes, oldest first; the line runs on to ``end`` (default: now).
    Each change is marked with a dot, the latest value is written at the end of the line, and
    the table lists every change.
    """
    style = STYLES[0]
    points = sorted(points, key=lambda point: point[0])
    if not points:
        return format_html('<p class="chart-empty">{}</p>', f"No data yet for {title.lower()}.")
    start = points[0][0]
    end = max(end or timezone.now(), points[-1][0])
    if end <= start:
        end = start + timedelta(hours=1)
    span = end - start
    left, right, top, bottom = 44, 44, 14, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    y, parts = _y_axis(
        max(value for _, value in points),
        top=top,
        plot_h=plot_h,
        left=left,
        right=width - right,
        label=(_compact if value_format is _number else value_format),
    )

    def x(moment: datetime) -> float:
        return left + (moment - start) / span * plot_w

    longest = max(len(_time_label(start + span * n / 4, span)) for n in range(5))
    count = _time_label_count(longest, plot_w)
    for n in range(count):
        moment = start + span * n / (count - 1)
        parts.append(
            format_html(
                '<text class="tick{}" x="{}" y="{}" text-anchor="{}">{}</text>',
                # On a phone every other label of five is hidden (the text is larger there).
                " tick-alt" if count == 5 and n % 2 else "",
                _c(x(moment)),
                height - 8,
                "start" if n == 0 else "end" if n == count - 1 else "middle",
                _time_label(moment, span),
            )
        )
    path = [f"M{_c(x(points[0][0]))},{_c(y(points[0][1]))}"]
    for (_, previous), (moment, value) in zip(points, points[1:], strict=False):
        path.append(f"H{_c(x(moment))}")
        if value != previous:
            path.append(f"V{_c(y(value))}")
    path.append(f"H{_c(x(end))}")
    parts.append(
        format_html(
            '<path class="step" d="{}" fill="none" stroke="{}" stroke-width="2.5"/>',
            "".join(path),
            style.color,
        )
    )
    for moment, value in points:
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}: {}</title></circle>',
                _c(x(moment)),
                _c(y(value)),
                style.color,
                date_format(timezone.localtime(moment), "j M Y, H:i"),
                value_format(value),
            )
        )
    last = points[-1][1]
    parts.append(
        format_html(
            '<text class="value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
            _c(x(end) + 5),
            _c(y(last)),
            value_format(last),
        )
    )
    parts.append(
        format_html(
            '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            left,
            width - right,
            _c(y(0)),
            _c(y(0)),
        )
    )
    rows = [
        [date_format(timezone.localtime(moment), "j M Y, H:i"), value_format(value)]
        for moment, value in points
    ]
    if not description:
        description = (
            f"Step chart of {value_label.lower()} from {_time_label(start, span)} to "
            f"{_time_label(end, span)}; it changed {len(points) - 1} times and is "
            f"{value_format(last)} now. The numbers are in the table below."
        )
    return _figure(
        chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        defs=EMPTY,
        body=_join(parts),
        legend=EMPTY,
        table=_table(title, ["Changed at", value_label], rows, summary="Show the changes"),
    )
