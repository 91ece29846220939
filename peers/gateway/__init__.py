"""The GitOps gateway: GitHub webhooks in, the run and artifact API out."""

from .app import create_app, serve
from .settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app", "serve"]
