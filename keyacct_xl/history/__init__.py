"""The history store beside the master: older sales and payment lines as Parquet files (``master.kx/``)."""
