"""HTML views of the reader-study pages, one module per area (reader, coordinator, imports, audit)."""
