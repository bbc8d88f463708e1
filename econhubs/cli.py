"""Command line entry point: ``econhubs [--debug] <command> [options]``.

Each command lives beside the workflow it runs and is imported only when called, so that
``econhubs facts`` does not pay for compiling the spatial model and vice versa.

Errors are reported here, once, for every command: a user sees one line ``econhubs <command>:
error: <message>`` (the message names file, data row, column and rule where there are any) and the
exit status says what happened (see ``EXIT_CODES``); ``--debug`` (anywhere on the line, or
``ECONHUBS_DEBUG=1``) prints the full traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

COMMANDS: dict[str, tuple[str, str]] = {
    "hubs": ("econhubs.spatial._cli_hubs",
             "solve the sectoral-hubs default economy (382 US metros x 22 industries x 2 occupations)"),
    "cprs": ("econhubs.spatial._cli_cprs", "CPRS 2007 US calibration: counterfactuals and elasticity sweeps"),
    "tradeoff": ("econhubs.dynamic._cli", "regional specialization trade-off: time iteration, diagnostics, IRFs"),
    "facts": ("econhubs.empirics._cli", "empirical specialization facts 1-3: tables and figures"),
    "table1": ("econhubs.estimation._cli_table1",
               "Table 1: externality elasticities by 2SLS with model-implied instruments"),
}

#: exit status -> meaning (documented in docs/reliability.md)
EXIT_CODES = {0: "success", 1: "unexpected error (a bug: traceback printed)",
              2: "bad input or usage (file, row, column, rule named)",
              3: "a solve failed (did not converge, or non-finite results)", 130: "interrupted (Ctrl-C)"}

INPUT_ERRORS = (ValueError, OSError, ImportError)  # the toolkit's validators raise ValueError
SOLVE_ERRORS = (RuntimeError,)  # ConvergenceError is a RuntimeError, as are XLA runtime failures


def _usage() -> str:
    lines = ["usage: econhubs [--debug] <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "run 'econhubs <command> --help' for the options of one command;",
              "--debug: show the full traceback of an error instead of one line"]
    return "\n".join(lines)


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg if isinstance(e, (ValueError, RuntimeError)) else f"{type(e).__name__}: {msg}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv or os.environ.get("ECONHUBS_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"econhubs: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    from .core import enable_compilation_cache  # JAX persistent cache; opt out: ECONHUBS_NO_COMPILE_CACHE=1

    enable_compilation_cache()
    try:
        module = importlib.import_module(COMMANDS[name][0])
        return int(module.main(rest) or 0)
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print(f"econhubs {name}: interrupted; outputs of this run were not written "
              "(earlier outputs are unchanged)", file=sys.stderr)
        return 130
    except INPUT_ERRORS + SOLVE_ERRORS as e:
        if debug:
            traceback.print_exc()
        kind = "error" if isinstance(e, INPUT_ERRORS) else "solve failed"
        hint = "" if debug else " [--debug: traceback]"
        print(f"econhubs {name}: {kind}: {_one_line(e)}{hint}", file=sys.stderr)
        return 2 if isinstance(e, INPUT_ERRORS) else 3


if __name__ == "__main__":
    raise SystemExit(main())
