"""The roofline explorer: matrix size n and machine -> the product's arithmetic intensity (n / 6 FLOP per
byte in float32, n / 3 in bfloat16) and the FLOP/s the roofline model allows, min(peak, bandwidth x I).

compute() is the MODEL, not a measurement (a measurement is not a pure function): each machine is a fixed
table of (peak FLOP/s, bandwidth, bytes per element). The H200 rows are the vendor's datasheet numbers
(dlbook.experiments.roofline.H200); "this CPU" defaults to example values (100 GFLOP/s, 20 GB/s, one
core) and the chapter passes the peaks it measured: RooflineExplorer(cpu=estimate_peaks(...)).
"""

import numpy as np

from ..experiments.roofline import (
    H200,
    attainable,
    elementwise_intensity,
    matmul_intensity,
    model_seconds,
    ridge_intensity,
)
from .explorer import Explorer

EXAMPLE_CPU = {"peak_flops": 100e9, "bandwidth": 20e9, "bytes_per_element": 4}
INTENSITIES = np.logspace(-2, 4, 61)            # FLOP per byte, the x axis


class RooflineExplorer(Explorer):
    """Pick a matrix size and a machine; see where the n x n product sits under that machine's roof."""

    TITLE = "The roofline: arithmetic intensity and attainable FLOP/s"
    GRID = {
        "n": [16, 64, 256, 1024, 4096, 16384],
        "machine": ["this CPU", "H200, float32", "H200, bfloat16"],
    }
    LABELS = {"n": "matrix size n", "machine": "machine"}
    DEFAULTS = {"n": 256, "machine": "this CPU"}
    FIGSIZE = (7.0, 3.4)

    def __init__(self, cpu=None, **initial):
        """cpu: {'peak_flops', 'bandwidth'} measured on this machine (float32); default EXAMPLE_CPU."""
        super().__init__(**initial)
        self.machines = {"this CPU": {**EXAMPLE_CPU, **(cpu or {})}, **H200}

    def compute(self, n, machine):
        """{'intensity': FLOP/byte of the product, 'attained': the roof there (FLOP/s), 'seconds': the model's
        lower bound on its time, 'ridge': peak / bandwidth, 'bound': 'memory' or 'compute', 'roof': the roof
        at INTENSITIES, 'add_intensity' and 'add_attained': an elementwise add's point}."""
        spec = self.machines[machine]
        peak, bandwidth, width = spec["peak_flops"], spec["bandwidth"], spec["bytes_per_element"]
        intensity = matmul_intensity(n, width)
        ridge = ridge_intensity(peak, bandwidth)
        add_intensity = elementwise_intensity("add", width)
        return {
            "intensity": intensity,
            "attained": float(attainable(intensity, peak, bandwidth)),
            "seconds": model_seconds(2.0 * n ** 3, 3.0 * n * n * width, peak, bandwidth),
            "ridge": ridge,
            "bound": "memory" if intensity < ridge else "compute",
            "roof": attainable(INTENSITIES, peak, bandwidth),
            "add_intensity": add_intensity,
            "add_attained": float(attainable(add_intensity, peak, bandwidth)),
        }

    def render(self, result, n, machine):
        figure, axes = self.new_figure()
        figure.subplots_adjust(left=0.12, right=0.97, bottom=0.16, top=0.86)
        axes.loglog(INTENSITIES, result["roof"], color="k", linewidth=2, label="roof: min(peak, bandwidth x I)")
        axes.axvline(result["ridge"], color="gray", linestyle=":", label=f"ridge, {result['ridge']:.3g} FLOP/byte")
        axes.plot(result["intensity"], result["attained"], "o", color="tab:red", markersize=9,
                  label=f"{n} x {n} product")
        axes.plot(result["add_intensity"], result["add_attained"], "s", color="tab:blue", markersize=7,
                  label="elementwise add")
        axes.set(xlim=(INTENSITIES[0], INTENSITIES[-1]), ylim=(1e8, 3e15),
                 xlabel="arithmetic intensity (FLOP per byte moved)", ylabel="attainable FLOP/s",
                 title=f"{machine}: n = {n} is {result['bound']}-bound, at least {result['seconds'] * 1e6:.3g} us")
        axes.title.set_fontsize(9)
        axes.minorticks_off()
        axes.legend(loc="lower right", fontsize=7)
        return figure
