"""The HTTP API (FastAPI): thin routes over the same services as the command line."""
