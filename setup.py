"""Thin shim: metadata lives in pyproject.toml; this only maps the top-level data folders into the package.

``templates/`` and ``macros_bridge/`` stay at the repository root (the product's layout) and install as
``keyacct_xl.templates`` and ``keyacct_xl.macros_bridge``, so importlib.resources finds them in every install.
pyproject.toml alone cannot say this: its package list is either found or written out, never both.
"""

from setuptools import find_namespace_packages, find_packages, setup

DATA_PACKAGES = {"keyacct_xl.templates": "templates", "keyacct_xl.macros_bridge": "macros_bridge"}
# Their subfolders (templates/forms, templates/policies) are packages too, or setuptools warns it would skip them.
DATA_SUBPACKAGES = [
    f"{package}.{sub}"
    for package, folder in DATA_PACKAGES.items()
    for sub in find_namespace_packages(where=folder, exclude=["*__pycache__*"])
]

setup(
    packages=[*find_packages(include=["keyacct_xl", "keyacct_xl.*"]), *DATA_PACKAGES, *DATA_SUBPACKAGES],
    package_dir=DATA_PACKAGES,
)
