r"""National consistency of the inversion data: consumption shares α and labour shares β.

In the model the economy is closed, so for every industry national output equals national
absorption (sum over cities of step 4 of the spec, with $\sum_n E_n = \sum_j γ^j \hat Y^j$):

$$\hat Y^j = \sum_s γ^{sj} \hat Y^s + α^j \sum_s γ^s \hat Y^s, \qquad \hat Y^j = \frac{WB^j}{β^j γ^j},$$

where $WB^j = \sum_{n,k} w^k_n L^{kj}_n$ is the observed national wage bill of industry j. With
α, γ, β and the input-output shares from CPRS 2007 and wage bills from 2019/2025 data this fails
(the data's implied α is negative for real estate and several manufacturing industries; the
implied β exceeds one for health care and education): no λ, A, H reproduce such data.
:func:`national_shares` therefore recalibrates α and β (γ and the input-output shares stay):
it picks national outputs $\hat Y$ that minimise

$$\sum_j \ln^2(β^j/β^j_0) + \sum_j \ln^2(α^j/α^j_0)$$

subject to the identity above, $α^j \ge$ ``alpha_min`` and ``beta_min`` ≤ β^j ≤ ``beta_max``
(SLSQP), i.e. the shares closest (in logs) to the given ones that the data satisfy exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


def implied_shares(Yhat, wage_bill, gamma, io) -> tuple[np.ndarray, np.ndarray]:
    """(α, β) implied by national outputs Ŷ (J) and wage bills (J): the identity above."""
    Yhat = np.asarray(Yhat, np.float64)
    alpha = (Yhat - io.T @ Yhat) / (gamma @ Yhat)
    beta = np.asarray(wage_bill, np.float64) / (gamma * Yhat)
    return alpha, beta


def national_shares(wage_bill, alpha0, beta0, gamma, io, *, alpha_min: float = 1e-3, beta_min: float = 0.05,
                    beta_max: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """α (J, sums to one) and β (J) closest to (alpha0, beta0) that make ``wage_bill`` consistent.

    Returns the given shares unchanged (to rounding) when the data already satisfy the identity.
    Raises ``ValueError`` if no feasible shares are found.
    """
    wb, a0, b0, g, io = (np.asarray(v, np.float64) for v in (wage_bill, alpha0, beta0, gamma, io))
    J = len(wb)
    # start: the outputs that keep alpha0 exactly (Perron vector of io' + alpha0 gamma')
    Y0 = np.linalg.solve(np.eye(J) - io.T, a0)
    Y0 *= wb.sum() / (b0 * g * Y0).sum()

    def shares(u):
        return implied_shares(np.exp(u), wb, g, io)

    def obj(u):
        a, b = shares(u)
        return float(np.sum(np.log(np.maximum(b, 1e-300) / b0) ** 2) + np.sum(np.log(np.maximum(a, 1e-300) / a0) ** 2))

    cons = [{"type": "ineq", "fun": lambda u: shares(u)[0] - alpha_min},
            {"type": "ineq", "fun": lambda u: shares(u)[1] - beta_min},
            {"type": "ineq", "fun": lambda u: beta_max - shares(u)[1]}]
    u0 = np.log(Y0)
    res = minimize(obj, u0, method="SLSQP", constraints=cons, options={"maxiter": 500, "ftol": 1e-14})
    a, b = shares(res.x)
    ok = np.all(a >= alpha_min * (1 - 1e-6)) and np.all((b >= beta_min * (1 - 1e-6)) & (b <= beta_max * (1 + 1e-6)))
    if not ok:
        raise ValueError(f"national_shares: no consumption/labour shares in bounds make the wage bills consistent "
                         f"({res.message}); min alpha {a.min():.3g}, beta range [{b.min():.3g}, {b.max():.3g}]")
    return a / a.sum(), b
