"""The 722-region specialization trade-off experiment (Boehnert 2026, "Data vs. Model"; spec "Experiments").

All regions share the default I = 2 calibration (theta = 0.02, docs/tradeoff.md) and differ by their 1950
state (``_experiment_regions``: k_1 = the dominant industry's 1950 income share, a common b_1950), so ONE
policy solve per economy serves all of them:
  CE          ``solve_competitive(default_params(2))``  (collateral constraint on),
  CE free     ``solve_competitive(default_params(2, constrained=False))`` on a wider bond grid,
  planner     ``solve_planner(default_params(2), ce=CE)`` (constrained efficient, same grid as the CE), or on
              its own grid against the CE solved there (``ExperimentSpec.planner_grid``; ``_experiment_planner``).
The regions are simulated 1950..2020 from their 1950 states in one vmapped call per economy
(``_experiment_simulate``), and on each simulated panel the Fact 1 regression runs unchanged
(``econhubs.empirics.fact1``, column (1): growth on 1950 Gini with g_hat, 1950 log income p.c. and the
controls). Reported:
  trade-off coefficient  beta_CE (model) against the data's (-0.233 in the slides; the panel's own
                         when it has the end year);
  friction share         1 - beta_free / beta_CE (slides: 56%);
  welfare gains          Lambda_r = (V_SP(s_r) / V_CE(s_r))^{1/(1-gamma)} - 1 at each region's 1950 state
                         s_r = (b_1950, k_1 = s_dom, u = 0, ln R = ln R_bar) (slides: 1.2-2.2%), V by
                         policy evaluation on the grid (``value_function``) interpolated at s_r;
  IRFs to a 2 s.d. adverse shock to industry 1 (CE and planner) and the policy functions.
b_1950 (**choice**; the seed gives no 1950 bond positions): the CE's ergodic mean bond holding.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..empirics import fact1
from ._competitive import solve_competitive
from ._experiment_planner import grid_label as grid_label, solve_planner_path
from ._experiment_regions import Regions1950
from ._experiment_simulate import check_inside, common_innovations, model_panel, simulate_regions
from ._grid import GridSpec
from ._irf import impulse_response
from ._params import default_params
from ._simulate import simulate
from ._solution import CESolution
from ._welfare import REFINE, consumption_equivalent, value_function
from ._welfare_value import allocation_value

SLIDES = {"coefficient": -0.233, "friction_share": 0.56, "welfare_lo": 0.012, "welfare_hi": 0.022}


class ExperimentSpec(eqx.Module):
    """Settings of the experiment. grid: the CE's and the planner's grid (odd n_z and n_R, so that the base
    state u = 0, ln R = ln R_bar is a node; k range covering the regions' k_1 and the CE's ergodic set);
    b_bounds: its bond grid; free_b_bounds, free_n_b: the bond grid of the economy without the constraint
    (there an impatient region, beta R_bar < 1, borrows towards the natural debt limit ~ y / (R_bar - 1):
    debt of tens of years of output within the 70 years); n_years: 1950 -> 2020; planner: solve the
    planner too (welfare, policies, IRF; off by default: slow at I = 2, docs/tradeoff_experiment.md);
    irf_draws: draws of the generalised IRFs (0: none); planner_max_iter: the planner's sweeps (it stops
    there, unconverged, when a grid state keeps failing); b0: the common 1950 bond position (None: the CE's
    ergodic mean); planner_damping: the planner's damping (``solve_planner(damping=)``); planner_b_path:
    continuation of the planner over its bond grid's lower end (**choice**, docs/tradeoff_experiment.md): the
    planner is first solved from the CE on the same grid shape with b_min = planner_b_path[0] (its own CE solved
    there by ``solve_planner``), then on each next b_min and finally on ``b_bounds`` from the previous planner
    (``solve_planner(start=)``); empty: solved from the CE on ``b_bounds`` directly. planner_grid,
    planner_b_bounds: the planner's own grid (None: the CE's ``grid`` / ``b_bounds``). With an own grid
    (**fallback**, docs/tradeoff_experiment.md: the I = 2 planner converges on a coarser grid than the one on
    which the simulated regions stay inside) the planner is compared with the CE solved on ITS grid (welfare,
    policies, IRFs) and is not simulated; the regression and the friction share come from ``grid``; every output
    names the grid of each number. welfare_refine: the policy evaluation of the welfare gains at the 1950 states
    (``value_at``: the allocation's value on a grid that many times finer; 1: the grid's own evaluation)."""

    grid: GridSpec = eqx.field(static=True, default=GridSpec(n_b=10, n_k=6, n_z=3, n_R=1, k_lo=0.08, k_hi=0.62))
    b_bounds: tuple = eqx.field(static=True, default=(-0.2, 0.02))
    free_b_bounds: tuple = eqx.field(static=True, default=(-60.0, 0.05))
    free_n_b: int = eqx.field(static=True, default=40)
    n_years: int = eqx.field(static=True, default=70)
    seed: int = eqx.field(static=True, default=0)
    planner: bool = eqx.field(static=True, default=False)
    irf_draws: int = eqx.field(static=True, default=500)
    irf_years: int = eqx.field(static=True, default=30)
    max_iter: int = eqx.field(static=True, default=3000)
    b0: float | None = eqx.field(static=True, default=None)
    planner_max_iter: int = eqx.field(static=True, default=1000)
    planner_damping: float = eqx.field(static=True, default=1.0)
    planner_b_path: tuple = eqx.field(static=True, default=())
    planner_grid: GridSpec | None = eqx.field(static=True, default=None)
    planner_b_bounds: tuple | None = eqx.field(static=True, default=None)
    welfare_refine: int = eqx.field(static=True, default=REFINE)

    @property
    def own_planner_grid(self) -> bool:
        """True when the planner has its own grid (``planner_grid`` / ``planner_b_bounds``)."""
        return self.planner_grid is not None or self.planner_b_bounds is not None

    @property
    def planner_spec(self) -> tuple:
        """(GridSpec, b_bounds) of the planner's grid."""
        return (self.planner_grid or self.grid), (self.planner_b_bounds or self.b_bounds)

    @property
    def free_grid(self) -> GridSpec:
        """The grid of the economy without the constraint: the CE's with ``free_n_b`` bond points."""
        kw = {f.name: getattr(self.grid, f.name) for f in dataclasses.fields(self.grid)}
        return GridSpec(**(kw | {"n_b": self.free_n_b}))

    def __check_init__(self):
        if self.grid.n_z % 2 == 0 or self.grid.n_R % 2 == 0:
            raise ValueError(f"grid: n_z and n_R must be odd (the base state u = 0, ln R = ln R_bar is the middle "
                             f"node), got n_z = {self.grid.n_z}, n_R = {self.grid.n_R}")
        for name in ("b_bounds", "free_b_bounds", "planner_b_bounds"):
            if getattr(self, name) is None:
                continue
            lo, hi = getattr(self, name)
            if not lo < hi:
                raise ValueError(f"{name}: need (b_min, b_max) with b_min < b_max, got {getattr(self, name)}")
        if not 0.0 < self.planner_damping <= 1.0:
            raise ValueError(f"planner_damping: must be in (0, 1], got {self.planner_damping}")
        lo = self.planner_spec[1][0]
        if any(not b > lo for b in self.planner_b_path):
            raise ValueError(f"planner_b_path: continuation steps must lie above the planner's b_min = {lo} "
                             f"(the final grid), got {self.planner_b_path}")
        pg = self.planner_spec[0]
        if pg.n_z != self.grid.n_z or pg.n_R != self.grid.n_R:
            raise ValueError(f"planner_grid: needs the CE grid's exogenous nodes (n_z = {self.grid.n_z}, "
                             f"n_R = {self.grid.n_R}), got n_z = {pg.n_z}, n_R = {pg.n_R}")
        if self.n_years < 1:
            raise ValueError(f"n_years: must be >= 1, got {self.n_years}")


@dataclass
class ExperimentResult:
    """Everything the report writes (see ``_experiment_report``)."""

    regions: Regions1950
    spec: ExperimentSpec
    b0: float
    ce: CESolution
    free: CESolution
    planner: CESolution | None
    sims: dict
    tables: dict
    coef: dict
    friction_share: float
    welfare: np.ndarray | None
    irf: dict
    seconds: dict = field(default_factory=dict)


def _growth_coef(tab) -> float:
    m = tab.models[0]
    return float(m.params[list(m.names).index("gini")])


@functools.partial(jax.jit, static_argnums=3)
def _interp_at(grid, V, pts, e0: int):
    table = grid.policy_table(V.reshape(-1, 1))
    return jax.vmap(lambda x: table(x)[e0, 0])(pts)


def value_at(sol: CESolution, b0: float, k1, refine: int = REFINE) -> np.ndarray:
    """V of ``sol``'s allocation at the base states (b0, k1_r, middle exogenous node): refine > 1 (default) the
    value of the allocation ``simulate`` follows (``allocation_value``: policy evaluation on a grid ``refine`` times
    finer; the grid's own evaluation is off by up to 23% in V on the 108-state I = 2 grid, docs
    /tradeoff_experiment.md, "Checking the I = 2 welfare gain and taxes"); refine=1: the grid's own policy
    evaluation (``value_function``) interpolated at the states."""
    g = sol.grid
    e0 = g.R.shape[0] // 2
    if refine != 1:
        k = np.asarray(k1, float).reshape(-1, 1)
        return np.asarray(allocation_value(sol, np.full(k.shape[0], b0), k, np.full(k.shape[0], e0), refine=refine))
    pts = jnp.stack([jnp.full(np.shape(k1), b0), jnp.asarray(k1, float)], axis=1)
    return np.asarray(_interp_at(g, jnp.asarray(value_function(sol)), pts, e0))  # jitted: eager ops compile one by one


def welfare_gains(planner: CESolution, ce: CESolution, b0: float, k1, refine: int = REFINE) -> np.ndarray:
    """Lambda_r = (V_SP / V_CE)^{1/(1-gamma)} - 1 at the regions' base states (module docstring; ``value_at``)."""
    return consumption_equivalent(value_at(planner, b0, k1, refine), value_at(ce, b0, k1, refine),
                                  float(ce.params.gamma))


def ergodic_bond(ce: CESolution, key, n: int = 400, T: int = 300) -> float:
    """Mean bond holding over the last period of ``n`` simulated CE regions (the common b_1950)."""
    return float(np.mean(np.asarray(simulate(ce, key, n_regions=n, T=T)["b"][:, -1])))


def solve_economies(spec: ExperimentSpec, say=print, verbose: bool = False) -> tuple:
    """(CE, CE without the constraint, planner or None, seconds): one policy solve per economy (the economy
    without the constraint first: the quickest to compile); raises ``ConvergenceError`` when one does not
    converge. verbose: the solvers' own progress lines (time-iteration sweeps)."""
    sec = {}
    t = time.perf_counter()
    free = solve_competitive(default_params(2, constrained=False), spec.free_grid, b_bounds=spec.free_b_bounds,
                             max_iter=spec.max_iter, verbose=verbose)
    sec["solve CE without constraint"] = time.perf_counter() - t
    say(f"  CE without the constraint solved in {sec['solve CE without constraint']:.1f}s: {free.summary()}")
    t = time.perf_counter()
    ce = solve_competitive(default_params(2), spec.grid, b_bounds=spec.b_bounds, max_iter=spec.max_iter,
                           verbose=verbose)
    sec["solve CE"] = time.perf_counter() - t
    say(f"  CE solved in {sec['solve CE']:.1f}s: {ce.summary()}")
    sp = None
    if spec.planner:
        t = time.perf_counter()
        say("  planner: compiling its sweep (nested autodiff; minutes on a 2-core CPU), then time iteration")
        sp = solve_planner_path(spec, ce, say, verbose)
        sec["solve planner"] = time.perf_counter() - t
        say(f"  planner solved in {sec['solve planner']:.1f}s: {sp.summary()}")
    return ce, free, sp, sec


def _simulate_all(regions, economies: dict, b0: float, spec: ExperimentSpec, say) -> dict:
    eps = common_innovations(jax.random.PRNGKey(spec.seed), len(regions.industries), spec.n_years)
    sims = {}
    for name, sol in economies.items():
        sims[name] = simulate_regions(sol, regions, eps, b0, what=name)
        if sims[name]["edge_share"] > 0:
            raise RuntimeError(f"{name}: {100 * sims[name]['edge_share']:.2f}% of simulated region-years reach the "
                               "edge of the grid (the results there would be extrapolation): widen the grid")
        say(f"  simulated {len(regions)} regions x {spec.n_years + 1} years ({name}); binding in "
            f"{100 * float(np.mean(sims[name]['mu'] > 1e-8)):.1f}% of region-years")
    return sims


def run_experiment(regions: Regions1950, spec: ExperimentSpec = ExperimentSpec(), *, say=print,
                   economies: tuple | None = None, verbose: bool = False) -> ExperimentResult:
    """Solve (or take ``economies`` = (CE, CE free, planner or None)), simulate, regress, evaluate welfare
    (module docstring). ``say``: progress lines (None: silent). Raises ``ConvergenceError`` (an unconverged
    solve) or RuntimeError (simulated states on a grid edge, non-finite results)."""
    say = say or (lambda *_: None)
    t0 = time.perf_counter()
    say(f"trade-off experiment: {len(regions)} {regions.label} regions, I = 2, grid {spec.grid.n_points(2)} states")
    if economies is None:
        ce, free, sp, sec = solve_economies(spec, say, verbose)
    else:
        (ce, free, sp), sec = economies, {}
    t = time.perf_counter()
    b0 = ergodic_bond(ce, jax.random.PRNGKey(spec.seed + 1)) if spec.b0 is None else spec.b0
    say(f"  b_1950 = {b0:.4f}" + (" (the CE's ergodic mean bond holding)" if spec.b0 is None else ""))
    shared = sp is not None and not spec.own_planner_grid  # an own-grid planner is not simulated (fallback)
    econ = {"CE": ce, "CE without constraint": free} | ({"planner": sp} if shared else {})
    sims = _simulate_all(regions, econ, b0, spec, say)
    sec["simulate"] = time.perf_counter() - t
    t = time.perf_counter()
    end = regions.base + spec.n_years
    tables = {name: fact1(model_panel(regions, s, end), regions.base, end) for name, s in sims.items()}
    if end in set(regions.panel.report.years):
        tables["data"] = fact1(regions.panel, regions.base, end)
    coef = {name: _growth_coef(tab) for name, tab in tables.items()}
    friction = 1.0 - coef["CE without constraint"] / coef["CE"]
    sec["regressions"] = time.perf_counter() - t
    say(f"  trade-off coefficient: model {coef['CE']:.4f}, without the constraint "
        f"{coef['CE without constraint']:.4f}, friction share {100 * friction:.1f}%")
    welfare, irf = None, {}
    t = time.perf_counter()
    if sp is not None:
        check_inside(sp, b0, regions.k1, "planner (welfare at the 1950 states)")
        ce_sp = getattr(sp, "ce", None)  # the CE on the planner's grid (a PlannerSolution keeps its start's CE)
        welfare = welfare_gains(sp, ce if ce_sp is None else ce_sp, b0, regions.k1, refine=spec.welfare_refine)
        say(f"  welfare gains at the 1950 states: mean {100 * welfare.mean():.4f}%, "
            f"[{100 * welfare.min():.4f}%, {100 * welfare.max():.4f}%]")
    key = jax.random.PRNGKey(spec.seed + 2)
    own = (("CE (planner's grid)", sp.ce),) if sp is not None and spec.own_planner_grid else ()  # own grid: a planner
    for name, sol in (("CE", ce), *own, ("planner", sp)):
        if sol is not None and spec.irf_draws > 0:
            irf[name] = impulse_response(sol, key, n_draws=spec.irf_draws, T=spec.irf_years)
    sec["welfare and IRFs"] = time.perf_counter() - t
    sec["total"] = time.perf_counter() - t0
    vals = [*coef.values(), friction] + ([] if welfare is None else list(welfare))
    if not np.all(np.isfinite(vals)):
        raise RuntimeError(f"trade-off experiment: non-finite results (coefficients {coef}, friction {friction})")
    return ExperimentResult(regions=regions, spec=spec, b0=b0, ce=ce, free=free, planner=sp, sims=sims,
                            tables=tables, coef=coef, friction_share=friction, welfare=welfare, irf=irf, seconds=sec)
