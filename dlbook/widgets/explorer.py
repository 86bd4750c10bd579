"""Explorer: the base class of every slider explorer, in four layers.

1. compute(**values) -> dict of arrays: a pure function of the slider values (tested directly);
2. render(result, **values) -> matplotlib Figure (object API, no pyplot state);
3. live(): ipywidgets sliders whose callbacks redraw through the same render code;
4. static_html(): the same compute+render on every point of GRID, frames embedded with inline JS.

A notebook shows one with a single call, `LRExplorer()`: its _repr_mimebundle_ carries the widget
view (JupyterLab), the static text/html (the built book) and a PNG of the first frame (LaTeX/PDF).
"""

import base64

from matplotlib.figure import Figure

from .static import figure_to_png, format_value, static_html


class Explorer:
    """Subclasses set TITLE and GRID ({slider name: values}) and write compute and render."""

    TITLE = "explorer"
    GRID = {}
    LABELS = {}            # slider name -> the label shown beside it
    DEFAULTS = {}          # slider name -> the starting value (default: the first of GRID)
    FIGSIZE = (8, 3.2)
    DPI = 88               # frames about as wide as the book's text column (~620 px)

    def __init__(self, **initial):
        unknown = set(initial) - set(self.GRID)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no slider {sorted(unknown)}; sliders: {list(self.GRID)}")
        self.values = {name: self.DEFAULTS.get(name, grid[0]) for name, grid in self.GRID.items()}
        for name, value in initial.items():
            if value not in self.GRID[name]:
                raise ValueError(f"{type(self).__name__}: {name}={value!r} is not on the grid {self.GRID[name]}")
            self.values[name] = value
        self._cache = {}           # slider values -> compute's result
        self._frames = {}          # slider values -> PNG bytes

    # --- layers 1 and 2: subclasses -------------------------------------------------------------------

    def compute(self, **values):
        raise NotImplementedError

    def render(self, result, **values):
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------------------

    def new_figure(self, ncols=1):
        """A Figure with ncols axes side by side (object API, no pyplot)."""
        figure = Figure(figsize=self.FIGSIZE)           # a fixed layout: constrained layout doubles the cost
        axes = figure.subplots(1, ncols)
        figure.subplots_adjust(left=0.08, right=0.9, bottom=0.16, top=0.88, wspace=0.38)
        return figure, axes

    def result(self, **values):
        """compute(**values), cached per slider combination."""
        key = tuple(values[name] for name in self.GRID)
        if key not in self._cache:
            self._cache[key] = self.compute(**values)
        return self._cache[key]

    def figure(self, **values):
        """The figure for the current values, updated by any given here."""
        values = {**self.values, **values}
        return self.render(self.result(**values), **values)

    def png(self, **values):
        """The frame for the current values (updated by any given) as PNG bytes, at DPI; each frame is
        drawn once and shared by the live view, the static HTML and the mimebundle's PNG."""
        values = {**self.values, **values}
        key = tuple(values[name] for name in self.GRID)
        if key not in self._frames:
            self._frames[key] = figure_to_png(self.figure(**values), dpi=self.DPI)
        return self._frames[key]

    # --- layer 3: live ---------------------------------------------------------------------------------

    def live(self):
        """An ipywidgets VBox: one SelectionSlider per GRID entry above an Image of the figure.
        Moving a slider recomputes (cached) and redraws through render()."""
        import ipywidgets as widgets

        sliders = {
            name: widgets.SelectionSlider(
                options=[(format_value(value), value) for value in grid], value=self.values[name],
                description=self.LABELS.get(name, name), continuous_update=False,
                style={"description_width": "initial"}, layout=widgets.Layout(width="420px"))
            for name, grid in self.GRID.items()
        }
        image = widgets.Image(value=self.png(), format="png")

        def redraw(change):
            self.values.update({name: slider.value for name, slider in sliders.items()})
            image.value = self.png()

        for slider in sliders.values():
            slider.observe(redraw, names="value")
        view = widgets.VBox([widgets.HBox(list(sliders.values())), image])
        view.sliders, view.image = sliders, image               # handles for tests and readers
        return view

    # --- layer 4: static -------------------------------------------------------------------------------

    def static_html(self):
        return static_html(self.TITLE, self.GRID, self.png, initial=self.values, labels=self.LABELS)

    def _repr_mimebundle_(self, include=None, exclude=None):
        first_frame = self.png()
        bundle = {
            "text/plain": f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values.items())})",
            "text/html": self.static_html(),
            "image/png": base64.b64encode(first_frame).decode("ascii"),
        }
        try:
            view_bundle = self.live()._repr_mimebundle_()
        except ImportError:                                    # no ipywidgets: the static layers still show
            view_bundle = {}
        bundle.update({k: v for k, v in view_bundle.items() if k != "text/plain"})
        return bundle


