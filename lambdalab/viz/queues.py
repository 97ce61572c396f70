"""Figures of a queue feeding a function (SQS -> event source mapping -> Lambda).

Inputs are the frames of :func:`lambdalab.scenarios.sqs_mapping` (``samples``, ``batches``,
``messages``); histograms are binned here so figures stay small. No engine logic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COLORS, LAYOUT, figure, finish


def _depth_traces(samples: pd.DataFrame) -> list:
    return [go.Scatter(name=name, x=samples.time, y=samples[column], mode="lines",
                       line_shape="hv", line_color=COLORS[color])
            for name, column, color in (("visible (waiting)", "visible", "queued"),
                                        ("in flight (being processed)", "in_flight",
                                         "in_flight"),
                                        ("in the DLQ", "dlq", "dlq"))]


def _concurrency_traces(samples: pd.DataFrame, scaling=None, cap=None) -> list:
    traces = [go.Scatter(name="batches in flight", x=samples.time, y=samples.concurrency,
                         mode="lines", line_shape="hv", line_color=COLORS["success"])]
    end = float(samples.time.max()) if len(samples) else 1.0
    if scaling:
        xs = [t for t, _ in scaling if t <= end] + [end]
        ys = [n for t, n in scaling if t <= end]
        ys.append(ys[-1])
        traces.append(go.Scatter(name="pollers' concurrency target", x=xs, y=ys, mode="lines",
                                 line_shape="hv", line=dict(color=COLORS["limit"], dash="dot")))
    if cap:
        traces.append(go.Scatter(name="maximum concurrency", x=[0, end], y=[cap, cap],
                                 mode="lines", line=dict(color=COLORS["limit"], dash="dash")))
    return traces


def _batch_size_trace(batches: pd.DataFrame) -> go.Bar:
    counts = batches["size"].value_counts().sort_index()
    return go.Bar(name="batches", x=counts.index.tolist(), y=counts.values.tolist(),
                  marker_color=COLORS["requests"], showlegend=False)


def _latency_trace(messages: pd.DataFrame, bins: int = 30) -> go.Bar:
    latency = messages.latency.dropna().to_numpy()
    if len(latency):
        counts, edges = np.histogram(latency, bins=bins)
        centres = np.round((edges[:-1] + edges[1:]) / 2, 3)
        width = float(edges[1] - edges[0]) or 1.0
    else:
        counts, centres, width = np.array([]), np.array([]), 1.0
    return go.Bar(name="messages", x=centres.tolist(), y=counts.tolist(), width=width,
                  marker_color=COLORS["compute"], showlegend=False)


def queue_depth(samples: pd.DataFrame, title: str = "Queue depth") -> go.Figure:
    """Messages visible, in flight and in the dead-letter queue, sampled once a second."""
    fig = figure(title, "time (s)", "messages")
    fig.add_traces(_depth_traces(samples))
    return finish(fig, "queue-depth")


def poller_concurrency(samples: pd.DataFrame, scaling=None, cap: int | None = None,
                       title: str = "Pollers: concurrent batches") -> go.Figure:
    """Batches being processed (sampled once a second), the pollers' scaling target and an
    optional maximum concurrency."""
    fig = figure(title, "time (s)", "concurrent batches")
    fig.add_traces(_concurrency_traces(samples, scaling, cap))
    return finish(fig, "poller-concurrency")


def batch_sizes(batches: pd.DataFrame, title: str = "Batch sizes") -> go.Figure:
    """How many invocations got batches of each size."""
    fig = figure(title, "messages in the batch", "invocations")
    fig.add_trace(_batch_size_trace(batches))
    return finish(fig, "batch-sizes")


def message_latency(messages: pd.DataFrame, title: str = "End-to-end latency") -> go.Figure:
    """Histogram of send -> successful processing, for the messages that were done."""
    fig = figure(title, "seconds from send to done", "messages")
    fig.add_trace(_latency_trace(messages))
    return finish(fig, "message-latency")


def queue_dashboard(result, title: str = "SQS -> Lambda") -> go.Figure:
    """Four panels of one :func:`~lambdalab.scenarios.sqs_mapping` run: queue depth, concurrent
    batches, batch sizes and end-to-end latency (same traces in the same order every time, so
    live panels can redraw in place)."""
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.17, horizontal_spacing=0.1,
                        subplot_titles=("Queue depth", "Concurrent batches",
                                        "Batch sizes", "End-to-end latency"))
    for trace in _depth_traces(result.samples):
        fig.add_trace(trace, row=1, col=1)
    cap = result.params.get("maximum_concurrency")
    for trace in _concurrency_traces(result.samples, result.scaling, cap):
        fig.add_trace(trace, row=1, col=2)
    if not cap:      # keep the number of traces fixed for live redraws
        fig.add_trace(go.Scatter(name="maximum concurrency", x=[], y=[], mode="lines",
                                 line=dict(color=COLORS["limit"], dash="dash")), row=1, col=2)
    fig.add_trace(_batch_size_trace(result.batches), row=2, col=1)
    fig.add_trace(_latency_trace(result.messages), row=2, col=2)
    fig.update_layout(**{**LAYOUT, "height": 620, "title": title})
    fig.update_xaxes(title_text="time (s)", row=1, col=1)
    fig.update_xaxes(title_text="time (s)", row=1, col=2)
    fig.update_xaxes(title_text="messages per batch", row=2, col=1)
    fig.update_xaxes(title_text="seconds from send to done", row=2, col=2)
    fig.update_yaxes(title_text="messages", row=1, col=1)
    fig.update_yaxes(title_text="batches", row=1, col=2)
    fig.update_yaxes(title_text="invocations", row=2, col=1)
    fig.update_yaxes(title_text="messages", row=2, col=2)
    return finish(fig, "sqs-dashboard")
