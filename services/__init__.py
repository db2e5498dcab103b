"""The processes of RPS MLOps; each imports only from shared/, never from another service."""
