"""Figures of SNS fan-out: outcomes per subscriber and delivery attempts over time.

Inputs are the frames of :func:`lambdalab.scenarios.sns_fan_out` or of ``lab.sns``. No engine
logic.
"""
from __future__ import annotations

import plotly.graph_objects as go

from .style import COLORS, figure, finish

_OUTCOME_COLORS = {"delivered": "success", "filtered": "filtered", "dlq": "dlq",
                   "failed": "error"}


def _outcome_traces(counts) -> list:
    names = [str(n) for n in counts.index]
    return [go.Bar(name=outcome, x=names,
                   y=[int(v) for v in (counts[outcome] if outcome in counts else [0] * len(names))],
                   marker_color=COLORS[color])
            for outcome, color in _OUTCOME_COLORS.items()]


def fan_out_outcomes(counts, title: str = "One topic, many subscribers: final outcomes"
                     ) -> go.Figure:
    """Stacked bars: per subscriber, how many messages were delivered, filtered out, sent to
    the subscription's DLQ or discarded. ``counts``: a DataFrame indexed by subscriber with
    columns delivered / filtered / dlq / failed (``SNSFanOutResult.counts``)."""
    fig = figure(title, "subscriber", "messages", barmode="stack")
    fig.add_traces(_outcome_traces(counts))
    return finish(fig, "sns-outcomes")


def delivery_attempts(attempts, outage: float | None = None,
                      title: str = "Delivery attempts to an unavailable endpoint",
                      log_x: bool = False) -> go.Figure:
    """One marker per attempt: time (s) against the message number; failed attempts red,
    the successful one green; the outage as a shaded band. ``attempts``: columns message,
    time, ok (``SNSFanOutResult.attempts``)."""
    fig = figure(title, "time (s)", "message")
    for ok, name, color in ((False, "failed attempt", "error"),
                            (True, "delivered", "success")):
        rows = attempts[attempts.ok == ok]
        fig.add_trace(go.Scatter(name=name, x=rows.time.round(3).tolist(),
                                 y=rows.message.tolist(), mode="markers",
                                 marker=dict(color=COLORS[color], size=5)))
    if outage:
        fig.add_vrect(x0=0, x1=outage, fillcolor=COLORS["limit"], opacity=0.08,
                      line_width=0, annotation_text="endpoint unavailable",
                      annotation_position="top left")
    if log_x:
        fig.update_xaxes(type="log")
    return finish(fig, "sns-attempts")


def retry_timeline(times, title: str = "SNS retries to an AWS-managed endpoint",
                   log_x: bool = True) -> go.Figure:
    """Attempt number against the time of the attempt (s after publishing), one line
    (``times``: a list of attempt times, e.g. a notification's ``attempt_times``)."""
    fig = figure(title, "seconds after publish" + (" (log scale)" if log_x else ""),
                 "attempt number")
    xs = [max(float(t) - float(times[0]), 0.0) for t in times]
    if log_x:     # a log axis cannot show 0: the immediate attempts sit at 0.01 s
        xs = [max(x, 0.01) for x in xs]
    fig.add_trace(go.Scatter(name="attempt", x=[round(x, 3) for x in xs],
                             y=list(range(1, len(xs) + 1)), mode="lines+markers",
                             line_shape="hv", line_color=COLORS["error"],
                             marker=dict(size=4)))
    if log_x:
        fig.update_xaxes(type="log")
    return finish(fig, "sns-retries")
