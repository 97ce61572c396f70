"""Figures of a stream feeding a function (Kinesis -> stream event source mapping -> Lambda).

Inputs are the results of :func:`lambdalab.scenarios.stream_mapping` (``samples``, ``trace``);
IteratorAge is aggregated per second here so figures stay small. No engine logic.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COLORS, LAYOUT, figure, finish


def _throughput_traces(samples: pd.DataFrame) -> list:
    written = samples.written.diff().fillna(samples.written).astype(int)
    return [go.Scatter(name="written per second", x=samples.time, y=written, mode="lines",
                       line_shape="hv", line=dict(color=COLORS["requests"], dash="dot")),
            go.Scatter(name="processed per second", x=samples.time, y=samples.throughput,
                       mode="lines", line_shape="hv", line_color=COLORS["success"])]


def _age_traces(samples: pd.DataFrame, trace: pd.DataFrame, period: float = 1.0) -> list:
    attempts = trace[trace.outcome != "throttled"]
    if len(attempts):
        metric = (attempts.assign(bucket=(attempts.time // period) * period)
                  .groupby("bucket").iterator_age_ms.max() / 1000).round(3)
        xs, ys = metric.index.tolist(), metric.values.tolist()
    else:
        xs, ys = [], []
    return [go.Scatter(name="age of the oldest record not yet processed", x=samples.time,
                       y=samples.oldest_age, mode="lines", line_color=COLORS["queued"]),
            go.Scatter(name="IteratorAge at each batch attempt (max per second)", x=xs, y=ys,
                       mode="markers", marker=dict(color=COLORS["error"], size=6))]


def stream_throughput(samples: pd.DataFrame, title: str = "Throughput") -> go.Figure:
    """Records written and processed per second."""
    fig = figure(title, "time (s)", "records per second")
    fig.add_traces(_throughput_traces(samples))
    return finish(fig, "stream-throughput")


def iterator_age(samples: pd.DataFrame, trace: pd.DataFrame,
                 title: str = "Iterator age: how far behind the function is") -> go.Figure:
    """The age of the oldest unprocessed record each second, and the IteratorAge the mapping
    reported at its batch attempts (CloudWatch's metric is the maximum of those)."""
    fig = figure(title, "time (s)", "age (s)")
    fig.add_traces(_age_traces(samples, trace))
    return finish(fig, "iterator-age")


def stream_dashboard(result, title: str = "Kinesis -> Lambda") -> go.Figure:
    """Two panels of one :func:`~lambdalab.scenarios.stream_mapping` run: throughput and
    iterator age (same traces in the same order every time, so live panels redraw in place)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("Throughput", "Iterator age"))
    for trace in _throughput_traces(result.samples):
        fig.add_trace(trace, row=1, col=1)
    for trace in _age_traces(result.samples, result.trace):
        fig.add_trace(trace, row=1, col=2)
    fig.update_layout(**{**LAYOUT, "height": 420, "title": title})
    fig.update_xaxes(title_text="time (s)")
    fig.update_yaxes(title_text="records per second", row=1, col=1)
    fig.update_yaxes(title_text="age (s)", row=1, col=2)
    return finish(fig, "stream-dashboard")
