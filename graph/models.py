"""The graph app stores no relations of its own: co-authorship is derived from publications."""
