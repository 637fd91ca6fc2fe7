"""Incoming letters received electronically: edXML packages."""
