"""The demo company: a realistic, deterministic key-account book to run every feature on."""
