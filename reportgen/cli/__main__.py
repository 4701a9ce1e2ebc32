"""`python -m reportgen.cli`, the same as the `reportgen` script."""

from reportgen.cli import main

if __name__ == "__main__":  # a spawned worker process (the ingest pool) imports this module without running it
    main()
