"""The roofline model {cite:t}`williams2009roofline`, measured on this CPU and explained for a GPU.

A kernel that does F floating-point operations and moves Q bytes between memory and the processor has
the arithmetic intensity I = F / Q (FLOP per byte). A processor of peak P FLOP/s and memory bandwidth
B bytes/s cannot run it faster than

    attained(I) = min(P, B * I)          (FLOP/s)

the "roof": below the ridge intensity P / B a kernel waits for memory (memory-bound), above it for the
arithmetic units (compute-bound). An n x n float32 matrix product does 2 n^3 FLOPs on 3 n^2 elements
(read A and B, write C), I = n / 6; an elementwise c = a + b does 1 FLOP per 3 elements, I = 1 / 12,
whatever its size. The measurements here use NumPy on this machine's CPU (the BLAS that NumPy calls),
with preallocated outputs (out=) so that no allocation is timed, on one thread by default (threadpoolctl):
the roofline of one core, which a machine shared with other programs disturbs least.
"""

from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from ..measure import best_of

FLOAT32_BYTES = 4
ELEMENTWISE = {                          # name: (FLOPs per element, elements moved per element)
    "add": (1, 3),                       # c = a + b: read a, b, write c
    "scale": (1, 2),                     # c = 2 a: read a, write c
}

# Vendor numbers {cite:p}`nvidia2024h200` (H200 SXM datasheet): FP32 67 TFLOP/s, BF16 tensor cores
# 1,979 TFLOP/s *with sparsity*, so 989.5 TFLOP/s dense; HBM3e memory 4.8 TB/s.
H200 = {
    "H200, float32": {"peak_flops": 67e12, "bandwidth": 4.8e12, "bytes_per_element": 4},
    "H200, bfloat16": {"peak_flops": 989.5e12, "bandwidth": 4.8e12, "bytes_per_element": 2},
}


def matmul_intensity(n, bytes_per_element=FLOAT32_BYTES):
    """FLOP per byte of an (n, n) @ (n, n) product: 2 n^3 FLOPs over 3 n^2 elements moved (n / 6 in float32)."""
    return 2 * n ** 3 / (3 * n ** 2 * bytes_per_element)


def elementwise_intensity(name, bytes_per_element=FLOAT32_BYTES):
    """FLOP per byte of an elementwise op of ELEMENTWISE ('add': 1/12 in float32, 'scale': 1/8)."""
    flops, moved = ELEMENTWISE[name]
    return flops / (moved * bytes_per_element)


def attainable(intensity, peak_flops, bandwidth):
    """The roof: min(peak FLOP/s, bandwidth x intensity), elementwise over an array of intensities."""
    return np.minimum(peak_flops, bandwidth * np.asarray(intensity, dtype=float))


def ridge_intensity(peak_flops, bandwidth):
    """The intensity at which a kernel stops being memory-bound: peak / bandwidth (FLOP per byte)."""
    return peak_flops / bandwidth


def model_seconds(flops, moved_bytes, peak_flops, bandwidth):
    """The model's lower bound on a kernel's time: whichever of arithmetic and memory traffic takes longer
    (a real call adds its fixed costs: Python, dispatch, on a GPU a kernel launch)."""
    return max(flops / peak_flops, moved_bytes / bandwidth)


class Measurement(NamedTuple):
    """One timed kernel: its name and size, its FLOPs and bytes moved, and the best wall time (s)."""

    name: str
    size: int
    flops: float
    moved_bytes: float
    seconds: float

    @property
    def intensity(self):
        return self.flops / self.moved_bytes

    @property
    def flops_per_second(self):
        return self.flops / self.seconds

    @property
    def bytes_per_second(self):
        return self.moved_bytes / self.seconds


def measure_matmul(n, repeats=5, seed=0):
    """Time np.matmul of two float32 (n, n) matrices into a preallocated output; a Measurement."""
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    out = np.empty((n, n), dtype=np.float32)
    seconds = best_of(lambda: np.matmul(a, b, out=out), repeats).wall
    return Measurement("matmul", n, 2.0 * n ** 3, 3.0 * n * n * FLOAT32_BYTES, seconds)


def measure_elementwise(name, n_elements, repeats=5, seed=0):
    """Time the elementwise op `name` ('add': c = a + b, 'scale': c = 2 a) on float32 vectors of n_elements
    into a preallocated output; a Measurement. Large vectors (beyond the caches) measure memory bandwidth."""
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(n_elements, dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    call = (lambda: np.add(a, b, out=out)) if name == "add" else (lambda: np.multiply(a, 2.0, out=out))
    seconds = best_of(call, 2 * repeats).wall          # cheap: twice the repeats, the least disturbed
    flops, moved = ELEMENTWISE[name]
    return Measurement(name, n_elements, float(flops * n_elements), float(moved * n_elements * FLOAT32_BYTES), seconds)


def roofline_measurements(matmul_sizes=(16, 64, 256, 512), n_elements=2 ** 23, repeats=5, threads=1):
    """Measurements of float32 matrix products of each size and of 'scale' and 'add' on n_elements, with the
    BLAS and OpenMP thread pools limited to `threads` (None: as they are)."""
    with threadpool_limits(limits=threads):
        rows = [measure_matmul(n, repeats) for n in matmul_sizes]
        return rows + [measure_elementwise(name, n_elements, repeats) for name in ("scale", "add")]


def estimate_peaks(measurements):
    """{'peak_flops': the best FLOP/s of any matrix product, 'bandwidth': the best bytes/s of any elementwise
    op}: the measured roof of this machine (a lower bound on its true peaks)."""
    return {"peak_flops": max(m.flops_per_second for m in measurements if m.name == "matmul"),
            "bandwidth": max(m.bytes_per_second for m in measurements if m.name != "matmul")}
