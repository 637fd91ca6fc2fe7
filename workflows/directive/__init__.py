"""The directive (công văn) workflows: their forms and the functions their scripts may call."""
