"""Preprocessing of tabular features: fill in what is missing, unskew, standardize, encode.

Every step that learns something from the data (a median, a mean, a standard deviation) learns
it from the training split only, with `fit`, and applies it unchanged to every split with
`transform`:

    imputer = Imputer("median").fit(X_train)          # medians of the training split
    X_val = imputer.transform(X_val)                  # the *training* medians fill the gaps

Statistics taken from the validation or test split would let the data we evaluate on shape
the model: a leak that makes the evaluation look better than what new data will give.

All NumPy (features X: (N, D) float, one sample per row); no backend is imported here.
"""

import numpy as np

from .data import one_hot

__all__ = [
    "STRATEGIES", "Imputer", "Log1p", "Pipeline", "Standardizer", "constant_columns", "describe", "impute_missing",
    "log1p_features", "missing_fraction", "one_hot", "skewness",
]

STRATEGIES = ("median", "mean")
"""What `Imputer` fills a missing value with: the column's median or mean on the training split."""


def _as_features(X, who):
    """X -> a float (N, D) copy, refusing anything that is not one sample per row.

    float32 stays float32 (images of 60000 x 784 would double in float64); anything else
    (integers, float64, lists) becomes float64. Statistics are always summed in float64."""
    X = np.array(X)
    X = X.astype(X.dtype if X.dtype in (np.float32, np.float64) else np.float64)
    if X.ndim != 2:
        raise ValueError(f"{who} expects features of shape (N, D), one sample per row, got shape {X.shape}")
    return X


class _Transform:
    """fit on the training split, transform any split; fit_transform = fit, then transform."""

    def fit(self, X):
        raise NotImplementedError

    def transform(self, X):
        raise NotImplementedError

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def _check_fitted(self, X, n_features):
        if n_features is None:
            raise RuntimeError(f"{self!r} is not fitted: call fit(X_train) before transform")
        if X.shape[1] != n_features:
            raise ValueError(f"{self!r} was fitted on {n_features} features, got {X.shape[1]} (shape {X.shape})")


# ---------------------------------------------------------------- missing values


def impute_missing(X, fill_values):
    """X with every NaN in column j replaced by fill_values[j].

    X: (N, D) -> (N, D) float, a copy (X is left as it is); fill_values: (D,)."""
    X = _as_features(X, "impute_missing")
    fill_values = np.asarray(fill_values, dtype=np.float64)
    if fill_values.shape != (X.shape[1],):
        raise ValueError(f"impute_missing needs one fill value per column: X has {X.shape[1]} columns, "
                         f"fill_values has shape {fill_values.shape}")
    rows, columns = np.nonzero(np.isnan(X))
    X[rows, columns] = fill_values[columns]
    return X


class Imputer(_Transform):
    """Fill missing values (NaN) with each column's median or mean on the training split.

    fit(X_train): fill_values_ (D,) = the median (or mean) of each column's present values.
    transform(X): X with NaN in column j replaced by fill_values_[j].
    A column with no value present in the training split cannot be filled: fit raises.
    """

    def __init__(self, strategy="median"):
        if strategy not in STRATEGIES:
            raise ValueError(f"Imputer: strategy must be one of {STRATEGIES}, got {strategy!r}")
        self.strategy = strategy
        self.fill_values_ = None

    def __repr__(self):
        return f"Imputer({self.strategy!r})"

    def fit(self, X):
        X = _as_features(X, repr(self))
        empty = np.isnan(X).all(axis=0)
        if empty.any():
            raise ValueError(f"{self!r}: columns {np.flatnonzero(empty).tolist()} hold no value at all in the "
                             f"training split; drop them before imputing")
        statistic = np.nanmedian if self.strategy == "median" else np.nanmean
        self.fill_values_ = statistic(X.astype(np.float64), axis=0)     # training statistics only
        return self

    def transform(self, X):
        X = _as_features(X, repr(self))
        self._check_fitted(X, None if self.fill_values_ is None else len(self.fill_values_))
        return impute_missing(X, self.fill_values_)


def constant_columns(X):
    """Which columns hold a single value (ignoring NaN): bool (D,). Such a column has zero variance
    and tells the samples apart in no way; cleaning drops it (find it on the training split)."""
    X = _as_features(X, "constant_columns")
    present = ~np.isnan(X)
    largest = np.where(present, X, -np.inf).max(axis=0)
    smallest = np.where(present, X, np.inf).min(axis=0)
    return ~(largest > smallest)                      # all-NaN columns count as constant too


def missing_fraction(X):
    """The fraction of missing values (NaN) in each column: (N, D) -> (D,)."""
    return np.isnan(_as_features(X, "missing_fraction")).mean(axis=0)


# ---------------------------------------------------------------- skewed features


def log1p_features(X, columns):
    """X with x -> log(x + 1) applied to the given columns, the others unchanged.

    log(x + 1) squeezes a long right tail (incomes, counts) and keeps 0 at 0, where log x
    would give -inf. It needs x > -1: a negative value is refused. NaN stays NaN.
    X: (N, D) -> (N, D) float, a copy; columns: column indices."""
    X = _as_features(X, "log1p_features")
    columns = _check_columns(columns, X.shape[1], "log1p_features")
    selected = X[:, columns]
    if np.any(selected < 0):
        bad = [int(column) for column in columns if np.any(X[:, column] < 0)]
        raise ValueError(f"log1p_features: columns {bad} hold negative values; log(x + 1) is meant for "
                         f"quantities >= 0 (counts, amounts)")
    X[:, columns] = np.log1p(selected)
    return X


def _check_columns(columns, n_features, who):
    columns = np.atleast_1d(np.asarray(columns))
    if columns.size and (not np.issubdtype(columns.dtype, np.integer) or columns.min() < -n_features
                         or columns.max() >= n_features):
        raise ValueError(f"{who}: columns must be indices in [0, {n_features}), got {columns.tolist()}")
    return columns.astype(np.int64)


class Log1p(_Transform):
    """log(x + 1) on the given columns, as a step of a Pipeline (it learns nothing in fit)."""

    def __init__(self, columns):
        self.columns = [int(column) for column in np.atleast_1d(columns)]

    def __repr__(self):
        return f"Log1p(columns={self.columns})"

    def fit(self, X):
        _check_columns(self.columns, _as_features(X, repr(self)).shape[1], repr(self))
        return self

    def transform(self, X):
        return log1p_features(X, self.columns)


def skewness(X):
    """The sample skewness of each column, mean(((x - mu) / sigma)^3), ignoring NaN: (N, D) -> (D,).

    0 for a symmetric distribution; about 2 for an exponential one; larger for longer right
    tails. A constant column has skewness 0."""
    X = _as_features(X, "skewness")
    X = X.astype(np.float64)
    centered = X - np.nanmean(X, axis=0)
    std = np.sqrt(np.nanmean(centered ** 2, axis=0))
    std = np.where(std > 0, std, 1.0)
    return np.nanmean((centered / std) ** 3, axis=0)


# ---------------------------------------------------------------- standardization


class Standardizer(_Transform):
    """z = (x - mu) / sigma, column by column, with mu and sigma of the training split.

    fit(X_train): mean_ (D,) and scale_ (D,), the standard deviation of each column; a column
    whose standard deviation is (nearly) zero gets scale_ = 1 (constant_ marks it), so it maps
    to 0 instead of 0 / 0 = NaN. transform(X): (X - mean_) / scale_; inverse_transform undoes it.
    NaN is refused: impute the missing values first.
    """

    def __init__(self, eps=1e-8):
        self.eps = eps
        self.mean_ = self.scale_ = self.constant_ = None

    def __repr__(self):
        return "Standardizer()"

    def fit(self, X):
        X = _as_features(X, repr(self))
        _check_no_missing(self, X)
        self.mean_ = X.mean(axis=0, dtype=np.float64)                 # mu, training split only
        std = X.std(axis=0, dtype=np.float64)                         # sigma
        self.constant_ = std <= self.eps * np.maximum(1.0, np.abs(self.mean_))
        self.scale_ = np.where(self.constant_, 1.0, std)              # zero variance: divide by 1, not 0
        return self

    def transform(self, X):
        X = _as_features(X, repr(self))
        self._check_fitted(X, None if self.mean_ is None else len(self.mean_))
        _check_no_missing(self, X)
        return (X - self.mean_.astype(X.dtype)) / self.scale_.astype(X.dtype)      # z = (x - mu) / sigma

    def inverse_transform(self, Z):
        Z = _as_features(Z, repr(self))
        self._check_fitted(Z, None if self.mean_ is None else len(self.mean_))
        return Z * self.scale_.astype(Z.dtype) + self.mean_.astype(Z.dtype)


def _check_no_missing(transform, X):
    if np.isnan(X).any():
        columns = np.flatnonzero(np.isnan(X).any(axis=0)).tolist()
        raise ValueError(f"{transform!r}: columns {columns} hold missing values (NaN); fill them in first, "
                         f"e.g. with Imputer('median')")


# ---------------------------------------------------------------- pipelines and encodings


class Pipeline(_Transform):
    """Steps applied in order: fit fits each step on the output of the ones before it.

    Pipeline([Imputer("median"), Log1p([0, 2]), Standardizer()]).fit(X_train) learns every
    statistic from the training split; transform(X_test) applies the same steps with them."""

    def __init__(self, steps):
        self.steps = list(steps)

    def __repr__(self):
        return f"Pipeline([{', '.join(map(repr, self.steps))}])"

    def fit(self, X):
        self.fit_transform(X)
        return self

    def fit_transform(self, X):
        for step in self.steps:
            X = step.fit_transform(X)
        return X

    def transform(self, X):
        for step in self.steps:
            X = step.transform(X)
        return X


def describe(X, names):
    """A text table: for each column its name, mean, std, min, max (ignoring NaN), missing %, skewness."""
    X = _as_features(X, "describe")
    if len(names) != X.shape[1]:
        raise ValueError(f"describe: {len(names)} names for {X.shape[1]} columns")
    width = max(7, *(len(name) for name in names))
    lines = [f"{'feature':<{width}} {'mean':>8} {'std':>8} {'min':>8} {'max':>8} {'missing':>7} {'skew':>5}"]
    present = ~np.isnan(X)
    for j, name in enumerate(names):
        column = X[present[:, j], j].astype(np.float64)
        stats = (column.mean(), column.std(), column.min(), column.max()) if column.size else (np.nan,) * 4
        lines.append(f"{name:<{width}} " + " ".join(f"{value:8.3g}" for value in stats)
                     + f" {1 - present[:, j].mean():7.1%} {skewness(X[:, [j]])[0]:5.2f}")
    return "\n".join(lines)
