"""The master workbook (重点客户档案总表): its schema, model, reading and writing."""
