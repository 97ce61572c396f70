"""Figures and live panels for the course (plotly + ipywidgets). No engine logic here."""
from .figures import (concurrency, concurrency_steps, cost_breakdown, cost_curves, latency,
                      outcomes, power_tuning, timeline)
from .panels import explore, redraw, slider
from .style import COLORS


def setup() -> None:
    """Render figures as plotly MIME bundles plus HTML, so they also show on static viewers."""
    import plotly.io as pio
    pio.renderers.default = "plotly_mimetype+notebook_connected"


__all__ = ["COLORS", "concurrency", "concurrency_steps", "cost_breakdown", "cost_curves",
           "explore", "latency", "outcomes", "power_tuning", "redraw", "setup", "slider",
           "timeline"]
