"""``python -m armstrace`` runs the command line."""

from armstrace.entrypoints.cli.main import main

main()
