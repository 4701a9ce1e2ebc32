"""`python -m reportgen.cli`, the same as the `reportgen` script."""

from reportgen.cli import main

main()
