"""The keyacct_xl.xlam add-in: VBA project writer (MS-OVBA, MS-CFB), packager, install."""
