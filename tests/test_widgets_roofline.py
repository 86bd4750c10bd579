"""The roofline explorer's compute: the roofline model on fixed machine tables, and the measurements behind
the chapter's CPU row."""

import numpy as np
import pytest

from dlbook.experiments import roofline
from dlbook.widgets import RooflineExplorer


def test_a_float32_product_moves_three_matrices_so_its_intensity_is_n_over_six():
    assert roofline.matmul_intensity(600) == pytest.approx(100.0)
    assert roofline.matmul_intensity(600, bytes_per_element=2) == pytest.approx(200.0)
    assert roofline.elementwise_intensity("add") == pytest.approx(1 / 12)


def test_the_roof_is_bandwidth_times_intensity_below_the_ridge_and_the_peak_above_it():
    peak, bandwidth = 100e9, 20e9
    assert roofline.ridge_intensity(peak, bandwidth) == pytest.approx(5.0)
    np.testing.assert_allclose(roofline.attainable([1.0, 5.0, 50.0], peak, bandwidth), [20e9, 100e9, 100e9])


def test_small_products_are_memory_bound_and_large_ones_compute_bound_on_every_machine():
    explorer = RooflineExplorer()
    for machine in RooflineExplorer.GRID["machine"]:
        assert explorer.compute(n=16, machine=machine)["bound"] == "memory"
        assert explorer.compute(n=16384, machine=machine)["bound"] == "compute"


def test_the_attained_flops_never_exceed_the_peak_and_the_time_bound_matches_them():
    explorer = RooflineExplorer(cpu={"peak_flops": 50e9, "bandwidth": 10e9})
    for n in RooflineExplorer.GRID["n"]:
        result = explorer.compute(n=n, machine="this CPU")
        assert result["attained"] <= 50e9
        assert result["seconds"] == pytest.approx(2 * n ** 3 / result["attained"])


def test_bfloat16_halves_the_bytes_and_so_doubles_the_intensity():
    explorer = RooflineExplorer()
    fp32 = explorer.compute(n=1024, machine="H200, float32")["intensity"]
    assert explorer.compute(n=1024, machine="H200, bfloat16")["intensity"] == pytest.approx(2 * fp32)


def test_the_measured_peaks_come_from_the_best_product_and_the_best_elementwise_op():
    rows = roofline.roofline_measurements(matmul_sizes=(16, 64), n_elements=2 ** 16, repeats=1)
    assert [row.name for row in rows] == ["matmul", "matmul", "scale", "add"]
    peaks = roofline.estimate_peaks(rows)
    assert peaks["peak_flops"] == max(row.flops_per_second for row in rows[:2])
    assert peaks["bandwidth"] == max(row.bytes_per_second for row in rows[2:])
    assert all(row.seconds > 0 for row in rows)
