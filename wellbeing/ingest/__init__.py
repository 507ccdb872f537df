"""Getting HR's exports into the store: read, map, validate, import in one transaction."""
