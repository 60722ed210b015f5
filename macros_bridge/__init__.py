"""VBA sources and ribbon XML from which the .xlam add-in is built; installed as package data."""
