"""The Excel bridge: one interface with an xlwings back end (in Excel) and a file back end (headless)."""
