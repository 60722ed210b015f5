"""Declarative form specs (forms/) and grading, RFM and credit policies (policies/), installed as package data."""
