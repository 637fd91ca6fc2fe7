"""End-to-end tests: the application served for real and driven in Chromium through Playwright."""
