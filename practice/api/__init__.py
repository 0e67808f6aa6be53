"""The REST API under /api/v1/: plumbing, errors, authentication and the practice endpoints."""
