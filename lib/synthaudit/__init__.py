"""synthaudit: audit-preparation runbooks for AWS estates that turn production PHI into synthetic data."""
__version__ = "0.1.0"
