"""tpchart: charting of myofascial trigger points and dry needling."""

# The one place the version is written: pyproject.toml reads it (dynamic version), and
# --version and Help > About show it, also from a bundle without package metadata.
__version__ = "0.1.0"
