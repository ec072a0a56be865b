"""`python -m tunestudio` runs the same entry point as the `tunestudio` command."""

from tunestudio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
