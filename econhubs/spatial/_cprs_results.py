r"""CPRS counterfactual outcomes as labelled DataFrames, CPRS's elasticities, the applications.

Outcomes of a solved hat equilibrium (CPRS 2018, Section 4):

* employment L-hat_n and L-hat^j_n = (Y'^j_n / Y^j_n) / w-hat_n, w-hat_n = omega_n H_n^beta L_n^-beta;
* price indices P-hat_n = prod_j (P-hat^j_n)^alpha, real wages w-hat_n / P-hat_n, welfare V-hat;
* aggregate TFP  = sum_{jn} (Y^j_n / Y) c-hat^j_n / P-hat^j_n   (measured gross-output TFP),
  real GDP       = sum_{jn} (VA^j_n / VA) (Y'^j_n / Y^j_n) / P-hat^j_n;
* CPRS's elasticity of an aggregate to a shock of size s to one unit (region or sector):
  (X-hat - 1) / (s x unit's share), the share being of gross output (TFP), value added (GDP) and
  employment (welfare) -- equal to 10 (X-hat - 1) / share for their 10% shocks.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pandas as pd

from econhubs.core import Newton
from econhubs.data import CPRSCalibration, load_cprs2007, load_cprs_table

from ._cprs import (
    CPRS_SOLVER,
    CPRSEconomy,
    CPRSShock,
    cprs_baseline,
    fill_shock,
    solve_hat_jit,
)


def outcomes(econ: CPRSEconomy, shock: CPRSShock, aux: dict) -> dict:
    """Pure-JAX outcome arrays of a solution's ``aux`` (vmappable)."""
    H = fill_shock(econ, shock.lam, None, shock.H).H
    L, p = aux.L, aux.p
    w = aux.om * H ** econ.beta * L ** (-econ.beta)
    yhat = aux.Y / econ.Y0
    tfp_jn = aux.c / p
    gdp_jn = yhat / p
    va_jn = econ.gamma * econ.Y0
    return dict(
        L=L, Ljn=yhat / w[None, :], P=aux.P, w=w, real_wage=w / aux.P, V=aux.V,
        TFP=jnp.sum(econ.Y0 * tfp_jn) / jnp.sum(econ.Y0), GDP=jnp.sum(va_jn * gdp_jn) / jnp.sum(va_jn),
        TFP_region=jnp.sum(econ.Y0 * tfp_jn, axis=0) / jnp.sum(econ.Y0, axis=0),
        GDP_region=jnp.sum(va_jn * gdp_jn, axis=0) / jnp.sum(va_jn, axis=0),
        TFP_sector=jnp.sum(econ.Y0 * tfp_jn, axis=1) / jnp.sum(econ.Y0, axis=1),
        GDP_sector=jnp.sum(va_jn * gdp_jn, axis=1) / jnp.sum(va_jn, axis=1),
    )


def unit_lambda_array(J: int, N: int, axis: str, units, size: float = 0.1) -> jnp.ndarray:
    """The one builder of CPRS's unit shocks, B x J x N: 1 + size in every sector of region k
    (``axis="region"``) or in sector k in every region (``axis="sector"``), for each k in ``units``."""
    k = np.asarray(units, dtype=int)
    if axis == "region":
        return 1.0 + size * jnp.broadcast_to(jnp.eye(N)[k][:, None, :], (len(k), J, N))
    return 1.0 + size * jnp.broadcast_to(jnp.eye(J)[k][:, :, None], (len(k), J, N))


def unit_shares(econ: CPRSEconomy) -> dict:
    """Shares of each region / sector in gross output, value added and employment."""
    va = econ.gamma * econ.Y0
    return dict(
        region=dict(TFP=econ.Y0.sum(0) / econ.Y0.sum(), GDP=va.sum(0) / va.sum(), welfare=econ.Ln),
        sector=dict(TFP=econ.Y0.sum(1) / econ.Y0.sum(), GDP=va.sum(1) / va.sum(), welfare=econ.Ljn.sum(1)),
    )


def elasticities(out: dict, shares: dict, size: float) -> dict:
    """CPRS's elasticities (X-hat - 1) / (size x share) for TFP, GDP and welfare."""
    return {k: (out[{"welfare": "V"}.get(k, k)] - 1.0) / (size * shares[k]) for k in ("TFP", "GDP", "welfare")}


class CPRSResult(eqx.Module):
    """One counterfactual: the solution and its labelled tables (all changes are x'/x)."""

    out: dict
    econ: CPRSEconomy
    residual: float
    num_steps: int

    def _idx(self, axis: str) -> pd.Index:
        return pd.Index(self.econ.regions if axis == "region" else self.econ.sectors, name=axis)

    @property
    def welfare(self) -> float:
        """V-hat: the common change in real income per head."""
        return float(self.out["V"])

    def by_region(self) -> pd.DataFrame:
        """Employment, prices, wages, TFP and GDP changes by state."""
        o = {k: np.asarray(v) for k, v in self.out.items()}
        Ln = np.asarray(self.econ.Ln)
        return pd.DataFrame({
            "employment_share": Ln, "employment_share_new": Ln * o["L"], "L_hat": o["L"],
            "price_index_hat": o["P"], "wage_hat": o["w"], "real_wage_hat": o["real_wage"],
            "V_hat": np.full(len(Ln), float(o["V"])), "TFP_hat": o["TFP_region"], "GDP_hat": o["GDP_region"],
        }, index=self._idx("region"))

    def by_sector(self) -> pd.DataFrame:
        """TFP and GDP changes and employment share changes by sector."""
        o = {k: np.asarray(v) for k, v in self.out.items()}
        Ljn = np.asarray(self.econ.Ljn)
        return pd.DataFrame({
            "employment_share": Ljn.sum(1), "employment_share_new": (Ljn * o["Ljn"]).sum(1),
            "TFP_hat": o["TFP_sector"], "GDP_hat": o["GDP_sector"],
        }, index=self._idx("sector"))

    def employment(self) -> pd.DataFrame:
        """Employment changes by state x sector (long form: sector, region, share, share_new, L_hat)."""
        Ljn = np.asarray(self.econ.Ljn)
        idx = pd.MultiIndex.from_product([self.econ.sectors, self.econ.regions], names=["sector", "region"])
        hat = np.asarray(self.out["Ljn"])
        return pd.DataFrame({"employment_share": Ljn.ravel(), "employment_share_new": (Ljn * hat).ravel(),
                             "L_hat": hat.ravel()}, index=idx)

    def aggregates(self) -> pd.Series:
        """Aggregate TFP, real GDP and welfare changes."""
        return pd.Series({"TFP_hat": float(self.out["TFP"]), "GDP_hat": float(self.out["GDP"]),
                          "V_hat": float(self.out["V"])}, name="aggregate")


class CPRS(eqx.Module):
    """The CPRS economy at its baseline: run counterfactuals, applications and elasticities.

    ``CPRS.from_calibration(load_cprs2007())`` (the default) solves CPRS's baseline once, the
    2007 equilibrium with the observed non-portfolio imbalances removed; every counterfactual
    is in changes from it.
    """

    cal: CPRSCalibration
    econ: CPRSEconomy
    solver: Newton = CPRS_SOLVER

    @classmethod
    def from_calibration(cls, cal: CPRSCalibration | None = None, solver: Newton = CPRS_SOLVER) -> CPRS:
        cal = load_cprs2007() if cal is None else cal
        return cls(cal=cal, econ=cprs_baseline(cal, solver), solver=solver)

    def shock(self, lam=None, kappa=None, H=None) -> CPRSShock:
        return fill_shock(self.econ, lam, kappa, H)

    def counterfactual(self, lam=None, kappa=None, H=None) -> CPRSResult:
        """Solve for productivity lam[j, n], trade costs kappa[j, dest, source], structures H[n]."""
        shock = self.shock(lam, kappa, H)
        sol = solve_hat_jit(self.econ, shock, self.solver)
        return CPRSResult(out=_outcomes_jit(self.econ, shock, sol.aux), econ=self.econ,
                          residual=float(sol.residual), num_steps=int(sol.num_steps))

    def unit_lambda(self, axis: str, label: str | int, size: float = 0.1) -> jnp.ndarray:
        labels = self.cal.regions if axis == "region" else self.cal.sectors
        k = labels.index(label) if isinstance(label, str) else int(label)
        return unit_lambda_array(self.cal.J, self.cal.N, axis, [k], size)[0]

    def unit_shock(self, axis: str, label: str | int, size: float = 0.1) -> tuple[CPRSResult, pd.Series]:
        """A ``size`` productivity shock to every sector of one region (``axis="region"``) or to one
        sector in every region (``axis="sector"``); returns the result and CPRS's elasticities."""
        labels = self.cal.regions if axis == "region" else self.cal.sectors
        k = labels.index(label) if isinstance(label, str) else int(label)
        res = self.counterfactual(lam=self.unit_lambda(axis, k, size))
        sh = {m: v[k] for m, v in unit_shares(self.econ)[axis].items()}
        el = elasticities(res.out, sh, size)
        return res, pd.Series({f"{m}_elasticity": float(v) for m, v in el.items()}, name=labels[k])

    def north_dakota(self) -> CPRSResult:
        """CPRS Section 6: the North Dakota oil-boom productivity shock (all sectors of ND)."""
        lam = np.ones((self.cal.J, self.cal.N))
        lam[:, self.cal.regions.index("North Dakota")] = load_cprs_table("north_dakota_lambda", self.cal)
        return self.counterfactual(lam=lam)

    def measured_tfp_2002_2007(self, cell: tuple[str, str] | None = None, years: float = 5.0) -> CPRSResult:
        """Fundamental productivity changes implied by measured TFP 2002-2007, annualised:
        lambda-hat = (measured TFP change)^(1 / (years gamma)) in every sector x state, or only in
        ``cell=(sector, region)`` (CPRS's California computers case)."""
        m = load_cprs_table("measured_tfp_2002_2007", self.cal)
        lam = m ** (1.0 / (years * np.asarray(self.cal.gamma)))
        if cell is not None:
            j, n = self.cal.sectors.index(cell[0]), self.cal.regions.index(cell[1])
            keep = np.zeros_like(lam, bool)
            keep[j, n] = True
            lam = np.where(keep, lam, 1.0)
        return self.counterfactual(lam=lam)

    def katrina(self, destroyed: float = 0.2525) -> CPRSResult:
        """CPRS Section 6: Hurricane Katrina destroys 25.25% of Louisiana's structures (H-hat)."""
        H = np.ones(self.cal.N)
        H[self.cal.regions.index("Louisiana")] = 1.0 - destroyed
        return self.counterfactual(H=H)

    def trade_costs(self, scenario: str = "distance") -> CPRSResult:
        """CPRS Section 5 geographic barriers: kappa-hat scenario ``"distance"`` or ``"other_barriers"``."""
        return self.counterfactual(kappa=load_cprs_table(scenario, self.cal))


_outcomes_jit = eqx.filter_jit(outcomes)
cprs_outcomes = outcomes
