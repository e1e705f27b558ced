"""Seeds the simulated estate. Placeholder until the estate issue lands: an empty estate."""


def build(endpoint_url: str) -> None:
    """Seed the demo organisation into the moto server at ``endpoint_url``."""
    return None
