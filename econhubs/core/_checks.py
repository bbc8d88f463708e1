"""Input validation shared by every parameter module and loader: one place for the rules.

Each check raises :class:`ValueError` naming the field and what is wrong (shape, NaN,
sign, shares that do not sum to one). Checks run on concrete (NumPy-convertible) values;
under ``jit`` tracing they are skipped, since validation belongs at the API boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np


def is_concrete(x) -> bool:
    """True if every array leaf of ``x`` has a value now (not a tracer under jit/vmap/grad).

    The one tracer check of the toolkit: validation and result checks run on concrete values
    and are skipped (or become ``equinox.error_if``) while tracing."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def _concrete(x) -> np.ndarray | None:
    return np.asarray(x) if is_concrete(x) else None


def check_shape(name: str, x, shape: Sequence[int | None]) -> None:
    """``x.shape`` must equal ``shape`` (``None`` entries match any length)."""
    s = np.shape(x)
    if len(s) != len(shape) or any(e is not None and a != e for a, e in zip(s, shape)):
        want = "(" + ", ".join("*" if e is None else str(e) for e in shape) + ")"
        raise ValueError(f"{name}: expected shape {want}, got {tuple(s)}")


def check_finite(name: str, x) -> None:
    a = _concrete(x)
    if a is not None and not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))
        raise ValueError(f"{name}: contains NaN or inf at index {tuple(int(i) for i in bad[0])} ({len(bad)} entries)")


def check_positive(name: str, x, *, strict: bool = True) -> None:
    check_finite(name, x)
    a = _concrete(x)
    if a is None:
        return
    bad = ~(a > 0) if strict else ~(a >= 0)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        rule = "positive" if strict else "non-negative"
        raise ValueError(f"{name}: must be {rule}; found {a[idx]!r} at index {idx} ({int(bad.sum())} entries)")


def check_range(name: str, x, lo: float | None = None, hi: float | None = None) -> None:
    """lo <= x <= hi elementwise."""
    check_finite(name, x)
    a = _concrete(x)
    if a is None:
        return
    bad = np.zeros(a.shape, bool)
    if lo is not None:
        bad |= a < lo
    if hi is not None:
        bad |= a > hi
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: must lie in [{lo}, {hi}]; found {a[idx]!r} at index {idx}")


def check_sums_to_one(name: str, x, axis: int | tuple[int, ...] = -1, tol: float = 1e-8) -> None:
    """Shares along ``axis`` must be non-negative and sum to one (within ``tol``)."""
    check_positive(name, x, strict=False)
    a = _concrete(x)
    if a is None:
        return
    s = a.sum(axis=axis)
    bad = np.abs(s - 1.0) > tol
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(bad))[0])
        raise ValueError(
            f"{name}: shares must sum to one along axis {axis}; sum is {np.atleast_1d(s)[idx]:.10g} at index {idx}"
        )


def check_not_equal(name: str, x, value: float, tol: float = 1e-12) -> None:
    a = _concrete(x)
    if a is not None and np.any(np.abs(a - value) <= tol):
        raise ValueError(f"{name}: must differ from {value} (got {a})")
