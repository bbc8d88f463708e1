import jax

jax.config.update("jax_enable_x64", True)

import econhubs  # noqa: E402,F401  (the package also switches float64 on)
