"""Plotly figures of what a lab did. Inputs are lab results (DataFrames, dicts); no engine logic."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import COLORS, figure, finish

OUTCOMES = ("success", "error", "timeout")


def timeline(trace: pd.DataFrame, title: str = "Invocations by execution environment",
             max_rows: int = 40) -> go.Figure:
    """A Gantt chart: one row per execution environment, cold starts (INIT) marked, throttled
    requests as crosses, and the attempts of one request (retries) linked by a dotted line."""
    fig = figure(title, "time (s)", "execution environment")
    ran = trace[trace.outcome != "throttled"]
    envs = sorted(ran.env.dropna().unique().tolist())[:max_rows]
    ran = ran[ran.env.isin(envs)]
    label = {env: f"env {int(env)}" for env in envs}
    init = ran[ran.init_ms > 0]
    fig.add_trace(go.Bar(name="cold start (INIT)", orientation="h", base=init.start,
                         x=init.init_ms / 1000, y=init.env.map(label),
                         marker_color=COLORS["cold"]))
    for outcome in OUTCOMES:
        part = ran[ran.outcome == outcome]
        fig.add_trace(go.Bar(name=outcome, orientation="h", base=part.start + part.init_ms / 1000,
                             x=part.duration_ms / 1000, y=part.env.map(label),
                             marker_color=COLORS[outcome],
                             hovertext=part.request_id.str[:8], hoverinfo="text+x"))
    throttled = trace[trace.outcome == "throttled"]
    fig.add_trace(go.Scatter(name="throttled", mode="markers", x=throttled.start,
                             y=["throttled"] * len(throttled),
                             marker=dict(symbol="x", color=COLORS["throttled"], size=8)))
    xs, ys = [], []
    retried = ran[ran.request_id.isin(ran.request_id[ran.attempt > 1])].sort_values(
        ["request_id", "attempt"])
    for _, attempts in retried.groupby("request_id", sort=True):
        for (_, a), (_, b) in zip(attempts.iloc[:-1].iterrows(), attempts.iloc[1:].iterrows()):
            xs += [a.end, b.start, None]
            ys += [label[a.env], label[b.env], None]
    fig.add_trace(go.Scatter(name="retry of the same event", mode="lines", x=xs, y=ys,
                             line=dict(dash="dot", color=COLORS["error"])))
    fig.update_layout(barmode="overlay", yaxis=dict(categoryorder="array",
                      categoryarray=["throttled"] + [label[e] for e in reversed(envs)]))
    return finish(fig, "timeline")


def concurrency_steps(trace: pd.DataFrame, end: float | None = None) -> pd.DataFrame:
    """Concurrent executions as a step function: columns ``time`` and ``concurrency``."""
    ran = trace[trace.outcome != "throttled"]
    times = np.round(np.concatenate([ran.start.to_numpy(), ran.end.to_numpy()]), 6)
    deltas = np.concatenate([np.ones(len(ran)), -np.ones(len(ran))])
    order = np.lexsort((deltas, times))          # at equal times, ends (-1) first
    frame = pd.DataFrame({"time": times[order], "concurrency": np.cumsum(deltas[order])})
    frame = frame.groupby("time", as_index=False).last()
    start = pd.DataFrame({"time": [0.0], "concurrency": [0.0]})
    frame = pd.concat([start, frame], ignore_index=True)
    if end is not None:
        frame = pd.concat([frame, pd.DataFrame({"time": [end],
                                                "concurrency": [frame.concurrency.iloc[-1]]})])
    return frame


def concurrency(trace: pd.DataFrame, limits: dict[str, float] | None = None,
                title: str = "Concurrent executions", end: float | None = None) -> go.Figure:
    """Concurrency over time against named limits (e.g. {"reserved concurrency": 50})."""
    fig = figure(title, "time (s)", "concurrent executions")
    steps = concurrency_steps(trace, end)
    fig.add_trace(go.Scatter(name="concurrent executions", x=steps.time, y=steps.concurrency,
                             mode="lines", line_shape="hv", line_color=COLORS["success"]))
    x_end = float(steps.time.max()) if len(steps) else 1.0
    for i, (name, value) in enumerate(sorted((limits or {}).items())):
        fig.add_trace(go.Scatter(name=name, x=[0, x_end], y=[value, value], mode="lines",
                                 line=dict(color=COLORS["limit"], dash=["dash", "dot"][i % 2])))
    return finish(fig, "concurrency")


def outcomes(trace: pd.DataFrame, period: float = 1.0,
             title: str = "Invocations, errors and throttles") -> go.Figure:
    """Stacked bars per period: successful, failed and throttled requests."""
    fig = figure(title, f"time (s, {period:g}-s buckets)", "requests", barmode="stack")
    buckets = (trace.start // period) * period
    for outcome, color in (("success", "success"), ("error", "error"), ("timeout", "timeout"),
                           ("throttled", "throttled")):
        counts = buckets[trace.outcome == outcome].value_counts().sort_index()
        fig.add_trace(go.Bar(name=outcome, x=counts.index, y=counts.values,
                             marker_color=COLORS[color]))
    return finish(fig, "outcomes")


def latency(trace: pd.DataFrame, title: str = "Latency seen by callers") -> go.Figure:
    """Histogram of init + duration (what a synchronous caller waits), cold and warm apart."""
    fig = figure(title, "latency (ms)", "invocations", barmode="overlay")
    ran = trace[trace.outcome != "throttled"]
    for name, part, color in (("warm", ran[~ran.cold], "success"), ("cold", ran[ran.cold], "cold")):
        fig.add_trace(go.Histogram(name=name, x=part.init_ms + part.duration_ms, opacity=0.75,
                                   marker_color=COLORS[color], nbinsx=40))
    return finish(fig, "latency")


def cost_breakdown(rows: pd.DataFrame, label: str, title: str = "Cost breakdown") -> go.Figure:
    """Stacked request and compute cost per row (columns ``request_cost``, ``compute_cost``)."""
    fig = figure(title, label, "USD", barmode="stack")
    x = rows[label].astype(str)
    fig.add_trace(go.Bar(name="requests", x=x, y=rows.request_cost, marker_color=COLORS["requests"]))
    fig.add_trace(go.Bar(name="compute (GB-seconds)", x=x, y=rows.compute_cost,
                         marker_color=COLORS["compute"]))
    return finish(fig, "cost")


def power_tuning(rows: pd.DataFrame, title: str = "Memory vs duration vs cost") -> go.Figure:
    """Duration (left axis) and cost per million invocations (right axis) against memory."""
    fig = figure(title, "memory (MB)", "duration (ms)")
    fig.add_trace(go.Scatter(name="duration (ms)", x=rows.memory_mb, y=rows.duration_ms,
                             mode="lines+markers", line_color=COLORS["success"]))
    fig.add_trace(go.Scatter(name="cost per 1M invocations (USD)", x=rows.memory_mb,
                             y=rows.cost_per_million, mode="lines+markers", yaxis="y2",
                             line_color=COLORS["compute"]))
    fig.update_layout(xaxis_type="log", yaxis2=dict(title="USD per 1M", overlaying="y",
                                                    side="right", rangemode="tozero"))
    return finish(fig, "power")


def cost_curves(rows: pd.DataFrame, title: str = "Pay per use vs an always-on server") -> go.Figure:
    """Monthly cost against monthly requests (columns ``requests``, ``serverless``, ``server``)."""
    fig = figure(title, "requests per month", "USD per month")
    fig.add_trace(go.Scatter(name="Lambda (pay per use)", x=rows.requests, y=rows.serverless,
                             mode="lines", line_color=COLORS["serverless"]))
    fig.add_trace(go.Scatter(name="always-on server", x=rows.requests, y=rows.server,
                             mode="lines", line_color=COLORS["server"]))
    fig.update_layout(xaxis_type="log")
    return finish(fig, "costcurves")
