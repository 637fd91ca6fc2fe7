"""What auditors read: one case's timeline and the search for events across cases."""
