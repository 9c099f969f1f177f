"""Small helpers with no knowledge of Pinggu's domain, usable from every app."""
