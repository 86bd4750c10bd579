"""Argument checks shared by the data modules: each names the argument, what it must be, and what came."""

from numbers import Integral, Real


def check_count(name, value, minimum=1):
    """Raise ValueError unless `value`, the argument called `name`, is an integer >= minimum (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_noise(noise):
    """Raise ValueError unless noise (a standard deviation) is a number >= 0."""
    if not isinstance(noise, Real) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def check_same_length(X, Y):
    """Raise ValueError unless inputs X and targets Y hold the same number of samples (rows)."""
    if len(X) != len(Y):
        raise ValueError(f"X and Y must hold one sample per row each: X has {len(X)} samples, Y has {len(Y)}")
