"""A small inventory library written long ago, without tests."""
