"""Figures for notebook 08 (FIFO queues and dead-letter queues). Inputs are plain lists of what a
consumer applied; no engine logic here.

An *applied* row is ``(time_s, group, step)``: the consumer finished message number ``step`` of
message group ``group`` (a customer, an account) at lab time ``time_s``. Within a group the steps
were sent as 0, 1, 2, ...; a row is *in order* when its step is the next one its group expects.
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COLORS, LAYOUT, finish

#: line colours of the two queue types (reused from the house palette)
QUEUE_COLORS = {"FIFO": COLORS["provisioned"], "standard": COLORS["compute"]}


def classify(applied) -> list[tuple[float, str, int, str]]:
    """Each applied row with a verdict, in time order: "in order", "out of order" (an earlier
    step of its group was not applied yet, or a later one already was) or "duplicate"."""
    out = []
    seen: dict = {}
    for t, group, step in sorted(applied, key=lambda row: row[0]):
        done = seen.setdefault(group, set())
        if step in done:
            verdict = "duplicate"
        elif step == len(done) and all(s < step for s in done):
            verdict = "in order"
        else:
            verdict = "out of order"
        done.add(step)
        out.append((t, group, step, verdict))
    return out


def groups_in_order(applied) -> tuple[int, int]:
    """(groups whose steps were applied exactly once each, in sending order; all groups)."""
    by_group: dict = {}
    for _, group, step in sorted(applied, key=lambda row: row[0]):
        by_group.setdefault(group, []).append(step)
    ok = sum(1 for steps in by_group.values() if steps == list(range(len(steps))))
    return ok, len(by_group)


def order_lanes(runs: dict, labels=None, title: str = "What each consumer applied, and when"):
    """One panel per run (e.g. {"standard": applied, "FIFO": applied}); one lane per group; each
    applied message is a marker labelled with its step, green when in order, red when out of
    order, dark red crosses for duplicates."""
    names = list(runs)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=[f"{name} queue" for name in names])
    styles = {"in order": dict(color=COLORS["success"], symbol="circle"),
              "out of order": dict(color=COLORS["error"], symbol="circle"),
              "duplicate": dict(color=COLORS["timeout"], symbol="x")}
    groups = sorted({g for rows in runs.values() for _, g, _ in rows}, reverse=True)
    for row, name in enumerate(names, start=1):
        rows = classify(runs[name])
        for verdict, marker in styles.items():
            part = [r for r in rows if r[3] == verdict]
            fig.add_trace(go.Scatter(
                name=verdict, legendgroup=verdict, showlegend=row == 1, mode="markers+text",
                x=[round(r[0], 3) for r in part], y=[r[1] for r in part],
                text=[labels[r[2]] if labels else str(r[2]) for r in part],
                textposition="top center", textfont=dict(size=10),
                marker=dict(size=10, **marker)), row=row, col=1)
        fig.update_yaxes(title_text="group", categoryorder="array", categoryarray=groups,
                         row=row, col=1)
    fig.update_xaxes(title_text="time applied (s)", row=len(names), col=1)
    fig.update_layout(**{**LAYOUT, "height": 220 * len(names) + 140,
                         "margin": dict(LAYOUT["margin"], t=90)}, title=title)
    return finish(fig, "fifo-order-lanes")


def throughput(results: dict, title: str = "Messages applied over time"):
    """Cumulative messages applied over time, one line per run ({"FIFO": applied, ...})."""
    fig = go.Figure()
    for name, applied in results.items():
        times = sorted(round(t, 3) for t, _, _ in applied)
        fig.add_trace(go.Scatter(name=f"{name} queue", mode="lines", line_shape="hv",
                                 x=[0.0] + times, y=list(range(len(times) + 1)),
                                 line=dict(color=QUEUE_COLORS.get(name), width=2)))
    fig.update_layout(**LAYOUT, title=title, xaxis_title="time (s)",
                      yaxis_title="messages applied (cumulative)")
    return finish(fig, "fifo-throughput")
