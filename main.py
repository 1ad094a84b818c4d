"""Start tpchart from a source checkout: ``python main.py`` opens the app; ``python
main.py --help`` lists commands; ``python main.py bench`` runs the benchmark in
``bench/``, beside the package and not part of the installed app."""

import sys
from collections.abc import Sequence

from tpchart.cli import build_parser, cmd_bench, main


def run(argv: Sequence[str]) -> int:
    """``bench`` goes to the benchmark, everything else to ``tpchart.cli.main``. Both are
    read by the app's one parser, so ``--help`` lists bench and its arguments are checked
    as before; the installed ``tpchart`` script, without ``bench/``, says where it runs."""
    args = build_parser().parse_args(argv)
    if args.func is cmd_bench:
        from bench.run import command  # Qt, reportlab and the generators on demand

        return command(quick=args.quick, json_path=args.json)
    return main(argv)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
