"""Sign-in, sessions, the throttle, passwords and demo accounts."""
