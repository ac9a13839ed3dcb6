"""Clients of other armstrace servers over HTTP."""
