"""Packaging glue: the templates and migrations folders sit at the top of the repository (design
layout) and ship inside the package as ``integration_centre/templates`` and ``.../migrations``."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["integration_centre*"]),
        "integration_centre.templates",
        "integration_centre.migrations",
    ]
)
