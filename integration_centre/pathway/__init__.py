"""pathway package."""
