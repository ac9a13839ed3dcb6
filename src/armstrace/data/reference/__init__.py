"""Published reference figures and state boundaries, packaged for run-time use."""
