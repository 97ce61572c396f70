"""Figures for EventBridge: when a schedule fires, and how events ride out a target outage.

Inputs are the results of :func:`lambdalab.scenarios.schedule_week` and
:func:`lambdalab.scenarios.event_retries`. No engine logic.
"""
from __future__ import annotations

import plotly.graph_objects as go

from .style import COLORS, figure, finish

OUTCOME_COLORS = {"delivered": COLORS["success"], "DLQ": COLORS["dlq"],
                  "dropped": COLORS["throttled"], "pending": COLORS["in_flight"]}


def schedule_firings(result, title: str | None = None) -> go.Figure:
    """One marker per firing: the day on x, the UTC time of day on y."""
    fig = figure(title or f"{result.params['expression']}: firings over "
                 f"{result.params['days']} days", "day (UTC)", "time of day (UTC, hours)",
                 yaxis=dict(range=[0, 24], dtick=3), showlegend=False)
    f = result.firings
    fig.add_trace(go.Scatter(x=[t.strftime("%Y-%m-%d %H:%M") for t in f.time], y=f.hour,
                             mode="markers", marker=dict(color=COLORS["compute"], size=9),
                             name="firing"))
    return finish(fig, "schedule-firings")


def event_retries(result, title: str | None = None) -> go.Figure:
    """One line per event, from PutEvents to the end of its delivery (delivered, sent to the
    DLQ or dropped), over the shaded outage; x in minutes."""
    p = result.params
    fig = figure(title or "Events riding out a target outage", "minutes since the start",
                 "event #", yaxis=dict(autorange="reversed"))
    d = result.deliveries
    outcome = ["DLQ" if q else ("dropped" if o == "failed" else o)
               for o, q in zip(d.outcome, d.in_dlq)]
    for label, color in OUTCOME_COLORS.items():
        xs, ys = [], []
        for (_, row), o in zip(d.iterrows(), outcome):
            if o != label:
                continue
            end = row.ended if row.ended == row.ended and row.ended is not None else p["hours"] * 3600
            xs += [round(row.sent / 60, 3), round(end / 60, 3), None]
            ys += [row.event, row.event, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=label,
                                     line=dict(color=color, width=3), marker=dict(size=5)))
    if p["outage_minutes"]:
        fig.add_vrect(x0=0, x1=p["outage_minutes"], fillcolor=COLORS["error"], opacity=0.12,
                      line_width=0, annotation_text="target down", annotation_position="top left")
    return finish(fig, "event-retries")
