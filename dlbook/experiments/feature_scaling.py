"""Why standardize: the condition number of a linear model's Hessian, and what it does to
gradient descent.

Least squares on features X: (N, D), with a bias column, A = [X, 1]: (N, D + 1), and the book's
MSE (torch.nn.MSELoss: a mean, no factor 1/2),

    L(theta) = 1/N ||A theta - y||^2,   grad L = 2/N A^T (A theta - y),   H = 2/N A^T A.

H is constant (L is a quadratic). Along the eigenvector of eigenvalue (curvature) h_i, one step of
gradient descent with learning rate eta multiplies the error by (1 - eta h_i): it diverges unless
eta < 2 / h_max; eta = 1 / h_max removes the stiffest direction's error in one step, and the
flattest direction then shrinks by (1 - 1 / kappa) per step, kappa = h_max / h_min the condition
number.
Features on scales of 1e5 and 1 give kappa ~ 1e10: gradient descent crawls. Standardized
features give kappa near 1.

All NumPy, in float64; no backend is imported here.
"""

import numpy as np


def design_matrix(X, bias=True):
    """A = [X, 1]: (N, D) -> float64 (N, D + 1), or X itself (as float64) when bias=False."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"design_matrix expects features of shape (N, D), got {X.shape}")
    if np.isnan(X).any():
        raise ValueError("design_matrix: X holds missing values (NaN); fill them in first")
    return np.hstack([X, np.ones((len(X), 1))]) if bias else X


def least_squares_hessian(X, bias=True):
    """H = 2/N A^T A, the Hessian of the MSE L = 1/N ||A theta - y||^2: (N, D) -> (D + 1, D + 1)."""
    A = design_matrix(X, bias)
    return 2 * A.T @ A / len(A)


def condition_number(H):
    """kappa = h_max / h_min (its largest over its smallest eigenvalue) of a symmetric positive semi-definite matrix H
    (inf when H is singular)."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))    # ascending
    smallest, largest = eigenvalues[0], eigenvalues[-1]
    if smallest <= largest * np.finfo(np.float64).eps:
        return np.inf
    return float(largest / smallest)


def least_squares_loss(A, y, theta):
    """L(theta) = 1/N ||A theta - y||^2, the mean squared error (as torch.nn.MSELoss)."""
    residual = A @ theta - y
    return float(residual @ residual / len(A))


def gradient_descent_path(X, y, steps=100, lr=None, bias=True):
    """Gradient descent on least squares from theta = 0: (thetas, excess losses).

    X: (N, D), y: (N,) or (N, 1); lr: the learning rate eta, by default 1 / h_max (h_max the largest
    eigenvalue of H): half the stability limit 2 / h_max, whatever the scales of the features, and the
    step that removes the error along the stiffest direction in one step.
    Returns thetas float64 (steps + 1, D + 1) (or D columns when bias=False), theta_t for
    t = 0..steps, and excess (steps + 1,), L(theta_t) - L* with L* the loss of the exact
    least-squares solution."""
    A = design_matrix(X, bias)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if len(y) != len(A):
        raise ValueError(f"X and y must hold one sample per row each: X has {len(A)}, y has {len(y)}")
    H = 2 * A.T @ A / len(A)                                     # H = 2/N A^T A
    if lr is None:
        lr = 1 / np.linalg.eigvalsh(H)[-1]                       # eta = 1 / h_max
    best_loss = least_squares_loss(A, y, np.linalg.lstsq(A, y, rcond=None)[0])
    thetas = [np.zeros(A.shape[1])]
    for _step in range(steps):
        theta = thetas[-1]
        gradient = 2 * A.T @ (A @ theta - y) / len(A)            # grad L = 2/N A^T (A theta - y)
        thetas.append(theta - lr * gradient)                     # theta <- theta - eta grad L
    excess = np.array([least_squares_loss(A, y, theta) for theta in thetas]) - best_loss
    return np.array(thetas), np.maximum(excess, 0.0)


def gradient_descent_losses(X, y, steps=100, lr=None, bias=True):
    """The excess losses L(theta_t) - L*, t = 0..steps, of `gradient_descent_path` (same arguments)."""
    return gradient_descent_path(X, y, steps, lr, bias)[1]
