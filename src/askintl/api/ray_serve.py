"""askintl's HTTP API as a Ray Serve deployment (deploy/ray-serve.yaml), for those who run Ray.

Each replica is the app `askintl serve` runs (``create_app``), built on the replica itself: it
opens the published index read-only (memory-mapped) and loads the model once, and like any
`askintl serve` it takes a newly published version on its next question. Replicas hold no
state of their own that another needs, so Serve may add and remove them freely: the file
scales them on the requests each one has in flight (its queue). The index folder must be on
storage every node reads at the same path; build it first (`askintl index`, or `--ray`).

    pip install 'askintl' 'ray[serve]'      # Ray Serve is not in askintl[ray]: see README
    serve run deploy/ray-serve.yaml         # or: serve deploy deploy/ray-serve.yaml

Without Ray, the same thing is N `askintl serve` processes on one index folder behind any load
balancer (README, "Several servers").
"""
from __future__ import annotations

from ..errors import ConfigError


def asgi_app(settings: dict | None = None):
    """The FastAPI app of one replica. ``settings``: Settings fields (index_dir, embedder, ...)
    over the replica's ASKINTL_* environment."""
    from ..config import Settings
    from .app import create_app

    return create_app(Settings(**(settings or {})))


def build_app(args: dict | None = None):
    """Ray Serve application builder: ``import_path: askintl.api.ray_serve:build_app``; the
    YAML's ``args`` are Settings fields. Replica counts and autoscaling come from the YAML."""
    try:
        from ray import serve
    except ImportError as exc:
        raise ConfigError(f"the Ray Serve deployment needs Ray Serve ({exc}): pip install 'ray[serve]'") from None
    settings = dict(args or {})

    class AskintlReplica:
        """One `askintl serve` app; Serve routes HTTP requests to it (``serve.ingress``)."""

    deployment = serve.deployment(name="askintl")(serve.ingress(lambda: asgi_app(settings))(AskintlReplica))
    return deployment.bind()
