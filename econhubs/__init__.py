"""econhubs: solve, invert, estimate and optimise quantitative models of where economic
activity locates, in JAX.

Importing the package switches JAX to float64 (``jax_enable_x64``): every solver in the
toolkit targets residuals of 1e-10 or below, which float32 cannot reach.
"""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from .core import (  # noqa: E402
    RESULTS as RESULTS,
    ConvergenceError as ConvergenceError,
    Newton as Newton,
    Solution as Solution,
    root_find as root_find,
)

__version__ = "0.1.0"
