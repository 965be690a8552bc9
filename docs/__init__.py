"""The guides and schemas, shipped inside the package for ``jwkconform docs``."""
