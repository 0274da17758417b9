"""Pages anyone may read: the support numbers and their hours."""
