"""The case page, its trail, progress, documents and attachments, the case lists and search."""
