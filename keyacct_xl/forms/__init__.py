"""Standard forms: declarative specs (templates/forms) generated as protected, printable workbooks."""
