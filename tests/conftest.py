import jax

jax.config.update("jax_enable_x64", True)

import os  # noqa: E402

import pytest  # noqa: E402

import econhubs  # noqa: E402,F401  (the package also switches float64 on)

#: Tests marked ``long`` run only with ECONHUBS_LONG_TESTS=1: end-to-end checks that take minutes on the
#: 2-core CI machine or that were written at the end of a session without a verified run inside CI's budget.
long = pytest.mark.skipif(not os.environ.get("ECONHUBS_LONG_TESTS"),
                          reason="long end-to-end test: set ECONHUBS_LONG_TESTS=1 to run it")
