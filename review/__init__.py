"""The review side of thumbwatch: the listing review workflow (and the review web app)."""
