"""Code shared by every RPS MLOps service."""
