"""`python -m claimwatch` = the `claimwatch` command."""

from claimwatch.cli import main

main()
