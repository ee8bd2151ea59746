"""``python -m sucre.entrypoints.cli``: the same as the ``sucre`` console script."""

from sucre.entrypoints.cli import main

main()
