"""armstrace."""
