"""Domain logic that is neither a model nor a view."""
