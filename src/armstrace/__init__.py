"""armstrace: a tamper-evident custody record for licensed firearms."""

__version__ = "0.1.0"
