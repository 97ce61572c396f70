"""Figures of an event-driven order pipeline (:func:`lambdalab.scenarios.eda_orders`): how far each
consumer got over time, and what happened to its events. Binned here so figures stay small."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COLORS, LAYOUT, figure, finish

#: one fixed colour per consumer (taken from the shared palette)
CONSUMER_COLORS = {"billing": COLORS["compute"], "shipping": COLORS["queued"],
                   "analytics": COLORS["in_flight"], "fraud": COLORS["cold"],
                   "producer": COLORS["provisioned"]}


def _grid(result, points: int = 60):
    end = max(float(result.starts.start.max()) if len(result.starts) else 0.0,
              max(result.starts.put_at.max() if len(result.starts) else 0.0, 1.0))
    step = max(1.0, math.ceil(end / points))
    return np.arange(0.0, end + 2 * step, step)


def _progress_traces(result, showlegend=True) -> list:
    grid = _grid(result)
    puts = np.sort(np.array([i / result.params["rate"] for i in range(result.params["orders"])]))
    traces = [go.Scatter(name="producer: orders put", x=grid,
                         y=np.searchsorted(puts, grid, side="right"), mode="lines",
                         line_shape="hv", showlegend=showlegend,
                         line=dict(color=CONSUMER_COLORS["producer"], dash="dot"))]
    for name in result.consumers.index:
        done = np.sort(result.starts[result.starts.consumer == name].start.to_numpy())
        traces.append(go.Scatter(name=name, x=grid, y=np.searchsorted(done, grid, side="right"),
                                 mode="lines", line_shape="hv", showlegend=showlegend,
                                 line_color=CONSUMER_COLORS.get(name, COLORS["throttled"])))
    return traces


def _outcome_traces(result, showlegend=True) -> list:
    c = result.consumers
    names = list(c.index)
    return [go.Bar(name=label, x=names, y=c[column].tolist(), marker_color=COLORS[color],
                   showlegend=showlegend)
            for label, column, color in (("processed", "processed", "success"),
                                         ("retried by EventBridge", "retried", "throttled"),
                                         ("in the consumer's DLQ", "dlq", "dlq"))]


def consumer_progress(result, title: str = "Orders processed by each consumer") -> go.Figure:
    """Cumulative events started by each consumer vs. orders put by the producer."""
    fig = figure(title, "time since the first order (s)", "events processed")
    for trace in _progress_traces(result):
        fig.add_trace(trace)
    return finish(fig, "eda-progress")


def consumer_outcomes(result, title: str = "What happened to each consumer's events") -> go.Figure:
    """Per consumer: events processed, deliveries EventBridge retried, events in the DLQ."""
    fig = figure(title, "consumer", "events", barmode="group")
    for trace in _outcome_traces(result):
        fig.add_trace(trace)
    return finish(fig, "eda-outcomes")


def eda_dashboard(result, title: str = "One producer, independent consumers") -> go.Figure:
    """Progress over time (left) and outcomes per consumer (right)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, column_widths=[0.6, 0.4],
                        subplot_titles=("Events processed over time", "Outcome per consumer"))
    for trace in _progress_traces(result):
        fig.add_trace(trace, row=1, col=1)
    for trace in _outcome_traces(result):
        fig.add_trace(trace, row=1, col=2)
    fig.update_layout(**{**LAYOUT, "height": 420}, title=title, barmode="group")
    fig.update_xaxes(title_text="time since the first order (s)", row=1, col=1)
    fig.update_yaxes(title_text="events", row=1, col=1)
    return finish(fig, "eda-dashboard")


def latency_by_consumer(result, title: str = "Latency: put_events to the consumer's start") -> go.Figure:
    """Median and maximum latency per consumer (seconds), as grouped bars."""
    c = result.consumers
    fig = figure(title, "consumer", "seconds", barmode="group")
    for label, column, color in (("median", "median_latency_s", "success"),
                                 ("maximum", "max_latency_s", "cold")):
        fig.add_trace(go.Bar(name=label, x=list(c.index),
                             y=[None if v is None or v != v else v for v in c[column]],
                             marker_color=COLORS[color]))
    return finish(fig, "eda-latency")
