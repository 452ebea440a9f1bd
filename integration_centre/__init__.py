"""integration_centre: case management for the newcomers' integration pathway.

``create_app`` (``integration_centre.app``) builds the application; nothing imports a global app.
"""

from integration_centre.app import create_app, resource_dir
from integration_centre.config import ConfigurationError

__all__ = ["ConfigurationError", "create_app", "resource_dir"]
