"""Seeded toy data sets (numpy), so notebooks need no scikit-learn.

Both return ``X`` (float64, shape ``(n, 2)`` or ``(n, dim)``) and integer labels ``y``
(shape ``(n,)``), shuffled; the same arguments always give the same arrays.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["make_moons", "make_blobs"]


def _count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _spread(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not (math.isfinite(float(x)) and float(x) >= 0):
        raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    return float(x)


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``n`` points, labels 0 (upper moon) and 1 (lower moon).

    The upper moon is ``(cos θ, sin θ)`` and the lower ``(1 - cos θ, ½ - sin θ)`` for θ
    evenly spaced in [0, π]; Gaussian noise of standard deviation ``noise`` is added to
    both coordinates. For ±1 labels (the hinge loss) use ``2 * y - 1``.
    """
    n = _count(n, "make_moons: n")
    noise = _spread(noise, "make_moons: noise")
    rng = np.random.default_rng(seed)
    n_upper = n - n // 2
    n_lower = n // 2
    theta_u = np.linspace(0.0, math.pi, n_upper)
    theta_l = np.linspace(0.0, math.pi, n_lower)
    upper = np.column_stack([np.cos(theta_u), np.sin(theta_u)])
    lower = np.column_stack([1.0 - np.cos(theta_l), 0.5 - np.sin(theta_l)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def make_blobs(
    n: int = 100,
    centers: int | np.ndarray | list = 2,
    std: float = 1.0,
    seed: int | None = 0,
    dim: int = 2,
    box: tuple[float, float] = (-5.0, 5.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: ``n`` points around ``centers``, labelled by their center's index.

    ``centers`` is a number of centers (drawn uniformly in ``box`` on each of ``dim``
    axes) or an array of coordinates, one row per center. Each point is its center plus
    Gaussian noise of standard deviation ``std``; the points are shared out evenly
    (the first centers get one more when ``n`` does not divide).
    """
    n = _count(n, "make_blobs: n")
    std = _spread(std, "make_blobs: std")
    rng = np.random.default_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count(centers, "make_blobs: centers")
        dim = _count(dim, "make_blobs: dim")
        lo, hi = box
        if not lo < hi:
            raise ValueError(f"make_blobs: box must be (low, high) with low < high, got {box!r}")
        C = rng.uniform(lo, hi, size=(k, dim))
    else:
        try:
            C = np.asarray(centers, dtype=np.float64)
        except (TypeError, ValueError):
            C = np.empty((0, 0))
        if C.ndim != 2 or C.shape[0] < 1 or C.shape[1] < 1 or not np.all(np.isfinite(C)):
            raise ValueError(
                f"make_blobs: centers must be an int or a 2-D array of finite coordinates, got {centers!r:.80}"
            )
        k = C.shape[0]
    y = np.arange(n, dtype=np.int64) % k
    y.sort()
    X = C[y] + rng.normal(scale=std, size=(n, C.shape[1]))
    order = rng.permutation(n)
    return X[order], y[order]
