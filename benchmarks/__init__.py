"""Timed comparisons of the NumPy reference and the torch backend on the CPU (`make bench`)."""
