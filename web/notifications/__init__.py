"""Thông báo: each person's notifications (bell, list, e-mail choice); for administrators, failed deliveries."""
