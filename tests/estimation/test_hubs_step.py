"""The Table 1 step of `econhubs hubs`: skipped (with the reason) on small subsets or on request."""

from types import SimpleNamespace

import numpy as np

from econhubs.estimation import hubs_table1_step
from econhubs.estimation._hubs_step import MIN_METROS
from econhubs.spatial._cli_hubs import STEPS


def _run(n, **args):
    return SimpleNamespace(args=SimpleNamespace(synthetic=False, **args), economy=None,
                           equilibrium=SimpleNamespace(L=np.ones((n, 2))), summary={})


def test_step_is_in_the_hubs_pipeline():
    assert STEPS[-1].__name__ == "step_table1"


def test_small_subset_is_skipped_with_reason():
    run = _run(MIN_METROS - 1)
    assert hubs_table1_step(run) == {}
    assert "too few metro clusters" in run.summary["table1_skipped"]


def test_no_table1_flag_skips():
    run = _run(382, no_table1=True)
    assert hubs_table1_step(run) == {} and run.summary == {}
