"""Colander schemas and Deform forms, one module per journey."""
