"""The static layer shared by every explorer: frames pre-rendered on the sliders' grid, embedded
as palette PNGs with a few lines of inline JavaScript, so the slider still moves the picture in
the built HTML where no kernel runs (and no request leaves the page).

Two explorers on one page stay apart: the script finds its own root with
document.currentScript.closest('.dlbook-explorer').
"""

import base64
import html
import io
import itertools
import json

from PIL import Image

FRAME_COLORS = 48          # palette size of each frame: ~10 KB a frame for line plots
MAX_EXPLORER_BYTES = 1_000_000

_SCRIPT = """
(function () {
  var root = document.currentScript.closest('.dlbook-explorer');
  var frames = JSON.parse(root.querySelector('script.dlbook-frames').textContent);
  var sliders = root.querySelectorAll('input[type=range]');
  var image = root.querySelector('img.dlbook-frame');
  function show() {
    var key = [];
    sliders.forEach(function (slider) {
      var labels = JSON.parse(slider.dataset.labels);
      key.push(slider.value);
      slider.parentNode.querySelector('.dlbook-value').textContent = labels[+slider.value];
    });
    image.src = 'data:image/png;base64,' + frames[key.join(',')];
  }
  sliders.forEach(function (slider) { slider.addEventListener('input', show); });
})();
"""


def figure_to_png(figure, dpi=88, colors=FRAME_COLORS):
    """A matplotlib Figure as palette-quantized PNG bytes (small enough to embed many).

    Drawn straight into Agg's pixel buffer (no PNG to encode and decode again), quantized with a fast
    octree palette: a few milliseconds a frame beyond matplotlib's own drawing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    quantized = image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, format="PNG")
    return out.getvalue()


def grid_keys(grid):
    """Every combination of slider positions: ((i, j, ...), {name: value, ...}) in row-major order."""
    names = list(grid)
    for indices in itertools.product(*(range(len(grid[name])) for name in names)):
        yield indices, {name: grid[name][i] for name, i in zip(names, indices)}


def format_value(value):
    """A slider label: 0.001 -> '0.001', 1e-05 -> '1e-05', 'cosine' -> 'cosine'."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def static_html(title, grid, render_png, initial=None, labels=None):
    """HTML of one explorer: a range input per slider, the frame for every grid combination.

    grid: {slider name: list of values}; render_png(**values) -> PNG bytes;
    initial: {slider name: starting value} (default: the first of each);
    labels: {slider name: what the reader sees beside the slider} (default: the name)."""
    initial = initial or {}
    frames = {",".join(map(str, indices)): base64.b64encode(render_png(**values)).decode("ascii")
              for indices, values in grid_keys(grid)}
    size = sum(len(frame) for frame in frames.values())
    if size > MAX_EXPLORER_BYTES:
        raise ValueError(f"explorer {title!r} embeds {size / 1e6:.1f} MB of frames (limit 1 MB): use a smaller grid")
    start = {name: grid[name].index(initial[name]) if name in initial else 0 for name in grid}
    controls = []
    for name, values in grid.items():
        value_labels = [format_value(value) for value in values]
        controls.append(
            f'<label class="dlbook-control" style="display:inline-block;margin-right:1.5em">'
            f'{html.escape((labels or {}).get(name, name))} '
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{start[name]}" '
            f'data-name="{html.escape(name)}" data-labels="{html.escape(json.dumps(value_labels))}" '
            f'aria-label="{html.escape(name)}"> '
            f'<span class="dlbook-value">{html.escape(value_labels[start[name]])}</span></label>')
    first_key = ",".join(str(start[name]) for name in grid)
    return (
        f'<div class="dlbook-explorer" data-title="{html.escape(title)}">'
        f'<div class="dlbook-controls">{"".join(controls)}</div>'
        f'<img class="dlbook-frame" alt="{html.escape(title)}" style="max-width:100%" '
        f'src="data:image/png;base64,{frames[first_key]}">'
        f'<script type="application/json" class="dlbook-frames">{json.dumps(frames)}</script>'
        f"<script>{_SCRIPT}</script></div>"
    )
