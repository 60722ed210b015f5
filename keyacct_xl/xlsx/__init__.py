"""A small OOXML part layer: locate tables in an .xlsx package and rewrite only the parts that change."""
