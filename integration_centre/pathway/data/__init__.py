"""Reference data of the pathway (YAML and CSV files read by pathway.reference)."""
