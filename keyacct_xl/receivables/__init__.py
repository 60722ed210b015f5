"""Receivables: the customer ledger, ageing, statement reconciliation (对帐) and customer statements."""
