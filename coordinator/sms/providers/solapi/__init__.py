"""The Solapi provider (see gateway.py): the only package that imports solapi."""
