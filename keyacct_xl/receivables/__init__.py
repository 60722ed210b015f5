"""Receivables: the customer ledger, ageing, statement reconciliation (对账) and customer statements."""
