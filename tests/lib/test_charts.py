from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.safestring import SafeString

from lib import charts
from lib.charts import Series, Style, bar_chart, step_chart

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def _labelled_by_own_title(html: str, chart_id: str) -> None:
    assert 'role="img"' in html
    assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    assert f'<title id="{chart_id}-title">' in html and f'<desc id="{chart_id}-desc">' in html


def test_a_bar_chart_is_safe_svg_with_its_numbers_in_a_table() -> None:
    html = bar_chart(
        ["Mon", "Tue"],
        [Series("High", [1, 2]), Series("Low", [0, 3])],
        title="Per day",
        chart_id="c1",
        category_label="Day",
    )
    assert isinstance(html, SafeString)
    _labelled_by_own_title(html, "c1")
    table = html[html.index("<table>") :]
    assert '<th scope="col">Day</th><th scope="col">High</th><th scope="col">Low</th>' in table
    assert '<th scope="row">Tue</th><td>2</td><td>3</td>' in table
    # Grouped bars carry their value as a label; zero bars are not drawn.
    assert html.count('class="bar"') == 3
    assert '<text class="value"' in html


def test_stacked_bars_show_totals_and_a_patterned_legend() -> None:
    html = bar_chart(
        ["A", "B"],
        [Series("High", [1, 2]), Series("Medium", [4, 0])],
        title="Stacked",
        chart_id="c2",
        stacked=True,
    )
    assert '<th scope="col">Total</th>' in html
    assert '<th scope="row">A</th><td>1</td><td>4</td><td>5</td>' in html
    # Not colour alone: the second series is drawn with a pattern, in the bars and the legend.
    assert 'fill="url(#c2-p1)"' in html and 'fill="url(#c2-lp1)"' in html
    assert '<pattern id="c2-p1"' in html
    assert 'class="chart-legend"' in html and ">Medium</li>" in html


def test_every_text_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    html = bar_chart(
        [evil], [Series(evil, [1]), Series("ok", [2])], title=evil, chart_id="c3", stacked=True
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="has 1 values"):
        bar_chart(["a", "b"], [Series("x", [1])], title="t", chart_id="c4")


def test_the_axis_can_be_written_in_other_units_than_the_labels() -> None:
    html = bar_chart(
        ["High"],
        [Series("Mean", [2.5])],
        title="t",
        chart_id="c5",
        value_format=lambda days: f"{days * 24:g} hours",
        tick_format=lambda days: f"{days:g} d",
        styles=[Style("#000", "solid")],
    )
    assert ">60 hours</text>" in html and ">1 d</text>" in html
    assert "<td>60 hours</td>" in html


def test_a_step_chart_holds_each_value_until_it_changes() -> None:
    points = [(T0, 2), (T0 + timedelta(days=1), 5), (T0 + timedelta(days=2), 0)]
    html = step_chart(
        points,
        title="Failing items",
        chart_id="s1",
        end=T0 + timedelta(days=4),
        value_label="Failing items",
    )
    _labelled_by_own_title(html, "s1")
    path = re.search(r'<path class="step" d="([^"]+)"', html).group(1)
    # Horizontal then vertical moves only: a step, never a slope.
    assert re.fullmatch(r"M[\d.]+,[\d.]+(H[\d.]+(V[\d.]+)?)+", path)
    assert html.count("<circle") == 3
    assert '<th scope="col">Changed at</th><th scope="col">Failing items</th>' in html
    assert '<th scope="row">11 Mar 2025, 09:00</th><td>5</td>' in html
    assert "it changed 2 times and is 0 now" in html


def test_a_step_chart_without_points_says_so() -> None:
    html = step_chart([], title="Failing items", chart_id="s2")
    assert "No data yet" in html and "<svg" not in html


def test_a_single_point_step_chart_still_draws() -> None:
    html = step_chart([(T0, 3)], title="One", chart_id="s3", end=T0)
    assert "<svg" in html and "<td>3</td>" in html


def _tick_extents(html: str) -> list[tuple[float, float]]:
    """Each time label's left and right edge, at the widest a character may be."""
    extents = []
    for x, anchor, text in re.findall(
        r'<text class="tick[^"]*" x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)">([^<]+)</text>', html
    ):
        width = len(text) * charts.TICK_CHAR_WIDTH
        left = {"start": 0, "middle": width / 2, "end": width}[anchor]
        extents.append((float(x) - left, float(x) - left + width))
    return extents


@pytest.mark.parametrize("days", [1, 2, 10, 60])
def test_the_step_chart_time_labels_never_overlap(days: int) -> None:
    points = [(T0, 1), (T0 + timedelta(days=days) / 2, 4)]
    html = step_chart(points, title="Failing items", chart_id="s4", end=T0 + timedelta(days=days))
    extents = _tick_extents(html)
    assert len(extents) >= 2
    for (_, right), (left, _) in zip(extents, extents[1:], strict=False):
        assert right + charts.TICK_GAP <= left + 0.01


def test_short_labels_keep_five_and_long_ones_are_thinned() -> None:
    short = step_chart(
        [(T0, 1), (T0 + timedelta(days=9), 2)],
        title="A",
        chart_id="s5",
        end=T0 + timedelta(days=10),
    )
    long = step_chart(
        [(T0, 1), (T0 + timedelta(hours=9), 2)],
        title="B",
        chart_id="s6",
        end=T0 + timedelta(days=1),
    )
    assert len(_tick_extents(short)) == 5  # "12 Mar"
    assert len(_tick_extents(long)) == 3  # "12 Mar 14:00"
