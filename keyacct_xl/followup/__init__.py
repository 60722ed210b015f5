"""Follow-up control and visit planning: who is due, plan against actual, routes, weekly plans a rep can do."""
