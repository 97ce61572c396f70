"""One look for every figure: colours, fonts, sizes, and deterministic trace ids."""
from __future__ import annotations

import plotly.graph_objects as go

#: the meaning of each colour, used the same way in every notebook
COLORS = {
    "success": "#2a9d8f",      # a warm invocation that succeeded
    "cold": "#e9c46a",         # INIT (cold start) time
    "error": "#e76f51",        # function error
    "timeout": "#9d0208",
    "throttled": "#6c757d",
    "provisioned": "#264653",
    "limit": "#d62828",        # concurrency limits
    "serverless": "#2a9d8f",
    "server": "#457b9d",
    "requests": "#8ecae6",
    "compute": "#219ebc",
    "queued": "#457b9d", "in_flight": "#f4a261", "dlq": "#9d0208",   # SQS queue depth
    "filtered": "#adb5bd",     # SNS: a message a subscription's filter policy dropped
}

LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=60, r=20, t=50, b=50),
              font=dict(size=13), legend=dict(orientation="h", y=-0.2))


def figure(title: str, x_title: str, y_title: str, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **{**LAYOUT, **layout})
    return fig


def finish(fig: go.Figure, name: str) -> go.Figure:
    """Give every trace a stable ``uid`` (plotly would draw random ones) so output is deterministic."""
    for i, trace in enumerate(fig.data):
        trace.uid = f"{name}-{i}"
    return fig
