"""Live controls: ipywidgets that re-run a scenario and redraw its figure in place.

    explore(compute, draw, summary, controls={"rate": slider(...), ...})

shows the controls, a plotly ``FigureWidget`` and a one-line summary; moving a control calls
``compute(**values)`` then ``draw(result)`` and copies the new traces into the figure inside
``batch_update`` (one redraw). Notebooks show the static default figure in the cell before, so
they read well where widgets do not run (GitHub, nbviewer).
"""
from __future__ import annotations

import plotly.graph_objects as go


def slider(value, low, high, step=1, description="", continuous_update=False):
    """An IntSlider or FloatSlider (by the type of ``step``), updating on release by default."""
    import ipywidgets as widgets
    cls = widgets.IntSlider if isinstance(step, int) and isinstance(value, int) else \
        widgets.FloatSlider
    return cls(value=value, min=low, max=high, step=step, description=description,
               continuous_update=continuous_update, style={"description_width": "initial"},
               layout=widgets.Layout(width="420px"))


def redraw(target: go.FigureWidget, new: go.Figure) -> None:
    """Copy ``new``'s traces and layout into ``target`` in one batch (same trace order)."""
    with target.batch_update():
        if len(target.data) != len(new.data):
            target.data = []
            target.add_traces(list(new.data))
        else:
            for old, fresh in zip(target.data, new.data):
                old.update(fresh.to_plotly_json(), overwrite=True)
        target.layout.update(new.layout.to_plotly_json(), overwrite=True)


def explore(compute, draw, summary, controls: dict):
    """Build and return the panel (a VBox): controls, a live figure and a summary line."""
    import ipywidgets as widgets

    def values():
        return {name: control.value for name, control in controls.items()}

    result = compute(**values())
    fig = go.FigureWidget(draw(result))
    line = widgets.HTML(f"<b>{summary(result)}</b>")

    def update(_change=None):
        fresh = compute(**values())
        redraw(fig, draw(fresh))
        line.value = f"<b>{summary(fresh)}</b>"

    for control in controls.values():
        control.observe(update, names="value")
    box = widgets.VBox([widgets.HBox(list(controls.values()),
                                     layout=widgets.Layout(flex_flow="row wrap")), fig, line])
    box.update = update           # for tests and notebooks: redraw on demand
    box.figure = fig
    return box
