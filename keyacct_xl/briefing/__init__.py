"""Reports people hand to a meeting: the general manager's monthly pack and the customer fact sheet (一户一档)."""
