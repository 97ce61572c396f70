"""Figures and live panels for the course (plotly + ipywidgets). No engine logic here."""
from .figures import (concurrency, concurrency_steps, cost_breakdown, cost_curves, latency,
                      outcomes, power_tuning, timeline)
from .panels import explore, redraw, slider
from .queues import batch_sizes, message_latency, poller_concurrency, queue_dashboard, queue_depth
from .style import COLORS


def setup() -> None:
    """Render figures as plotly MIME bundles plus HTML, so they also show on static viewers."""
    import plotly.io as pio
    pio.renderers.default = "plotly_mimetype+notebook_connected"


__all__ = ["COLORS", "batch_sizes", "concurrency", "concurrency_steps", "cost_breakdown",
           "cost_curves", "explore", "latency", "message_latency", "outcomes", "poller_concurrency",
           "power_tuning", "queue_dashboard", "queue_depth", "redraw", "setup", "slider",
           "timeline"]
