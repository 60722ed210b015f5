"""Customer analytics: RFM, Pareto/ABC, annual grading, credit grades, attribute codes, composition and risk."""
