"""Errors raised by the toolkit: one for solvers that fail, one for bad input."""

from __future__ import annotations


class ConvergenceError(RuntimeError):
    """A solver stopped without meeting its tolerance.

    The message names the solver, the final residual (max-abs, in the units of the residual
    function, which the models write as relative/log errors) and the number of iterations.
    The attributes hold the same numbers for programmatic use.
    """

    def __init__(self, what: str, residual: float, iterations: int, tolerance: float, reason: str = ""):
        self.what = what
        self.residual = float(residual)
        self.iterations = int(iterations)
        self.tolerance = float(tolerance)
        msg = (
            f"{what} did not converge: max residual {self.residual:.3e} "
            f"(tolerance {self.tolerance:.1e}) after {self.iterations} iterations"
        )
        if reason:
            msg += f" ({reason})"
        super().__init__(msg)
