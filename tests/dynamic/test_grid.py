"""GridSpec(kink_b=True): the equilibrium policies' table is kink-aware in b, other tables are not (no solve)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from econhubs.dynamic import GridSpec, default_params, make_grid
from econhubs.dynamic._time_iteration import grid_points


def test_kink_b_table_is_exact_on_piecewise_linear_policies_and_only_for_policies():
    """Policies piecewise linear in b with a kink at b* where s changes sign (b* inside a cell): the kink-aware
    table reproduces them exactly, the linear one does not; ``policy_table(pol)`` without ``kink=True`` (value
    tables) stays linear; n_b < 3 is refused."""
    p = default_params(1)
    grid = make_grid(p, GridSpec(n_b=9, n_z=2, n_R=1, kink_b=True))
    gb = np.asarray(grid.b)
    b_star = gb[3] + 0.37 * (gb[4] - gb[3])

    def policy(b):
        d = b - b_star
        s = np.where(d > 0, 2.0 * d, 0.5 * d)
        q = np.where(d > 0, 5.0 + d, 5.0 - 3.0 * d)
        return np.stack([s, q], axis=-1)

    b, _, e = grid_points(grid)
    pol = jnp.array(policy(np.asarray(b)))
    x = b_star + np.linspace(-0.9, 0.9, 41) * (gb[4] - gb[3])
    ref = policy(x)

    @jax.jit
    def both(pol, x):
        tk, tl = grid.policy_table(pol, kink=True), grid.policy_table(pol)
        return jax.vmap(lambda xx: tk(xx[None]))(x), jax.vmap(lambda xx: tl(xx[None]))(x)

    kinked, plain = (np.asarray(v)[:, 0] for v in both(pol, jnp.array(x)))
    np.testing.assert_allclose(kinked, ref, atol=1e-12)
    assert np.max(np.abs(plain - ref)) > 1e-2
    with pytest.raises(ValueError, match="kink_b"):
        GridSpec(n_b=2, kink_b=True)
