"""Command line entry point: ``econhubs <command> [options]``.

Each command lives beside the workflow it runs and is imported only when called, so that
``econhubs facts`` does not pay for compiling the spatial model and vice versa.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "hubs": ("econhubs.spatial._cli_hubs", "solve the sectoral-hubs default economy (382 US metros x 22 industries x 2 occupations)"),
    "cprs": ("econhubs.spatial._cli_cprs", "CPRS 2007 US calibration: counterfactuals and elasticity sweeps"),
    "tradeoff": ("econhubs.dynamic._cli", "regional specialization trade-off: time iteration, diagnostics, IRFs"),
    "facts": ("econhubs.empirics._cli", "empirical specialization facts 1-3: tables and figures"),
}


def _usage() -> str:
    lines = ["usage: econhubs <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "run 'econhubs <command> --help' for the options of one command"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"econhubs: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    from .core import enable_compilation_cache  # JAX persistent cache; opt out: ECONHUBS_NO_COMPILE_CACHE=1
    enable_compilation_cache()
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
