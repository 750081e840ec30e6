"""Real servers the tests start on loopback (no mocks where the real part can run here)."""
