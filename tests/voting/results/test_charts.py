"""The shared SVG chart layout: time ticks that fit the span, round value axes, both screen sizes."""

from datetime import UTC, datetime, timedelta

import pytest

from voting.results.charts import bar_chart, line_chart, nice_ceiling, time_ticks

pytestmark = pytest.mark.unit

T0 = datetime(2024, 12, 1, 9, 7, tzinfo=UTC)


def test_an_hour_of_data_gets_ticks_every_ten_minutes() -> None:
    step, ticks, fmt = time_ticks(T0, T0 + timedelta(hours=1), most=7)
    assert step == timedelta(minutes=10)
    assert [t.strftime(fmt) for t in ticks] == ["09:10", "09:20", "09:30", "09:40", "09:50", "10:00"]


def test_a_month_of_data_gets_weekly_day_ticks_and_a_phone_fewer() -> None:
    step, ticks, fmt = time_ticks(T0, T0 + timedelta(days=30), most=7)
    assert step == timedelta(days=7)
    assert [t.strftime(fmt) for t in ticks][:2] == ["08 Dec", "15 Dec"]
    narrow_step, narrow, _ = time_ticks(T0, T0 + timedelta(days=30), most=4)
    assert narrow_step == timedelta(days=14) and len(narrow) <= 4


@pytest.mark.parametrize(
    ("value", "expected"), [(49.7, (60.0, 20.0)), (3, (3.0, 1.0)), (1234, (1500.0, 500.0)), (0, (1.0, 0.25))]
)
def test_value_axes_end_on_a_round_number(value: float, expected: tuple[float, float]) -> None:
    assert nice_ceiling(value) == expected


def test_line_chart_has_labelled_axes_a_legend_and_both_layouts() -> None:
    points = [(T0 + timedelta(minutes=10 * i), 40.0 + i) for i in range(7)]
    chart = line_chart(
        "Trend",
        [("BlackRock", points), ("Grayscale", [(t, 30.0) for t, _ in points])],
        y_label="Share",
        x_label="Time (UTC)",
    )
    assert [frame.name for frame in chart.frames] == ["wide", "narrow"]
    wide = chart.frames[0]
    assert [tick.label for tick in wide.y_ticks] == ["0%", "20%", "40%", "60%"]
    assert wide.x_ticks[0].label == "09:10"
    assert [(line.label, line.last) for line in chart.lines] == [("BlackRock", "46.0%"), ("Grayscale", "30.0%")]
    first_x, last_x = wide.lines[0].dots[0][0], wide.lines[0].dots[-1][0]
    assert (first_x, last_x) == (wide.left, wide.right)  # time runs across the whole plot


def test_a_single_moment_is_shown_inside_an_hour_not_divided_by_zero() -> None:
    chart = line_chart("Trend", [("A", [(T0, 10.0), (T0, 12.0)])], y_label="Share", x_label="Time")
    assert all(wide.left < dot[0] < wide.right for wide in chart.frames for dot in wide.lines[0].dots)


def test_bar_chart_bars_sit_on_the_axis_with_titles() -> None:
    buckets = [(T0 + timedelta(days=d), n) for d, n in enumerate([5, 0, 12, 7])]
    chart = bar_chart("Turnout", buckets, timedelta(days=1), y_label="Ballots", x_label="Time", what="ballot")
    wide = chart.frames[0]
    assert [round(bar.y + bar.height, 1) for bar in wide.bars] == [wide.bottom] * 4
    assert [bar.title for bar in wide.bars][:2] == ["01 Dec 09:07: 5 ballots", "02 Dec 09:07: 0 ballots"]
    assert [tick.label for tick in wide.y_ticks] == ["0", "5", "10", "15"]


def test_one_bucket_is_a_bar_in_context_not_a_block() -> None:
    chart = bar_chart("Turnout", [(T0, 240)], timedelta(hours=1), y_label="Ballots", x_label="Time", what="ballot")
    wide = chart.frames[0]
    (bar,) = wide.bars
    assert bar.width < (wide.right - wide.left) / 6
    assert wide.left < bar.x < bar.x + bar.width < wide.right
