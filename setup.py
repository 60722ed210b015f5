"""Thin shim: metadata lives in pyproject.toml; this only maps the top-level data folders into the package.

``templates/`` and ``macros_bridge/`` stay at the repository root (the product's layout) and install as
``keyacct_xl.templates`` and ``keyacct_xl.macros_bridge``, so importlib.resources finds them in every install.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"keyacct_xl.templates": "templates", "keyacct_xl.macros_bridge": "macros_bridge"}

setup(
    packages=[*find_packages(include=["keyacct_xl", "keyacct_xl.*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
