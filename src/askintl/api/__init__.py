"""The HTTP API (FastAPI). ``create_app(settings)`` builds it; the model and index load in lifespan."""
from .app import create_app

__all__ = ["create_app"]
