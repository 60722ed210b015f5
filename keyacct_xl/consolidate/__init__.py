"""Consolidation: merge the forms reps send back into the master workbook."""
