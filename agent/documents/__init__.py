"""Document understanding: e-invoice XML first, then PDF text, each result validated."""
